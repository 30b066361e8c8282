// The outline of a piece of solution code: what it must do without how. Practice mode's problem
// text (the CLI) and the site's "Try it first" view both show it in place of the code.

/**
 * The block's outline: declarations at the region's top level (a function's signature, however
 * many lines it takes, and its closing brace) and every comment, at any depth; each run of
 * statements becomes one "your code" line, where the learner's code goes.
 */
export function outline(code: string): string {
  const out: string[] = [];
  let inSignature = false;
  let inComment = false;
  const marker = (indent: string) => `${indent}// ... your code ...`;
  const lastMarked = () => out.findLast((line) => line.trim() !== '')?.trim() === marker('');
  for (const line of code.replace(/\n$/, '').split('\n')) {
    const trimmed = line.trim();
    const indent = line.slice(0, line.length - line.trimStart().length);
    const topLevel = trimmed !== '' && indent === '';
    const comment =
      inComment || trimmed.startsWith('//') || trimmed.startsWith('/*') || trimmed.startsWith('*');
    if (trimmed.startsWith('/*') && !trimmed.includes('*/')) inComment = true;
    else if (inComment && trimmed.includes('*/')) inComment = false;
    if (comment) {
      out.push(line);
    } else if (trimmed === '') {
      if (out.at(-1) !== '') out.push('');
    } else if (inSignature || (topLevel && DECLARATION.test(trimmed))) {
      out.push(line);
      // A signature stays open until the line that opens its body.
      inSignature = !/[{;]$/.test(trimmed);
    } else if (topLevel && /^[}\])]/.test(trimmed)) {
      out.push(line);
    } else if (!lastMarked()) {
      out.push(marker(indent));
    }
  }
  return out.join('\n').trim();
}

const DECLARATION =
  /^(export\s+)?(async\s+)?(function|interface|type|class)\b|^(export\s+)?(const|let)\s+\w+\s*=\s*(async\s*)?(<[^>]*>)?\(/;
