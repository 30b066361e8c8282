// Runs in the browser: the lesson checklists and the progress indicator in the sidebar.
// Progress lives in this browser's localStorage only; nothing is sent anywhere.

/**
 * The storage key is versioned. Bump STORAGE_VERSION when the shape of `Progress` changes:
 * state saved under an older version is then not read (no migration: learners start their ticks
 * afresh) and is deleted on the next page load so it does not linger.
 */
const STORAGE_VERSION = 1;
const STORAGE_PREFIX = 'kv-workshop:progress:v';
export const STORAGE_KEY = `${STORAGE_PREFIX}${STORAGE_VERSION}`;

interface LessonProgress {
  /** Ticked checklist items, by item id (a slug of the item's text). */
  items: Record<string, true>;
  /** Every item of the lesson's checklist was ticked when it was last changed. */
  done: boolean;
}
interface Progress {
  lessons: Record<string, LessonProgress>;
}

function read(): Progress {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Progress | null;
    if (parsed && typeof parsed.lessons === 'object' && parsed.lessons) return parsed;
  } catch {
    // Unreadable state (edited by hand, or storage blocked): start empty rather than break the page.
  }
  return { lessons: {} };
}

function write(progress: Progress): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(progress));
  } catch {
    // Storage full or disabled (private mode): the ticks only last for this page view.
  }
}

function forgetOldVersions(): void {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i);
      if (key?.startsWith(STORAGE_PREFIX) && key !== STORAGE_KEY) localStorage.removeItem(key);
    }
  } catch {
    // No storage: nothing to clean.
  }
}

function renderProgress(progress: Progress): void {
  const box = document.querySelector<HTMLElement>('.course-progress');
  if (!box) return;
  const lessons = JSON.parse(box.dataset.lessons ?? '[]') as string[];
  const done = lessons.filter((slug) => progress.lessons[slug]?.done);
  const bar = box.querySelector('progress');
  if (bar) bar.value = done.length;
  const count = box.querySelector('.course-progress-count');
  if (count) count.textContent = `${done.length} / ${lessons.length} lessons done`;
  for (const slug of lessons) {
    for (const link of document.querySelectorAll<HTMLAnchorElement>(
      `a[href$="/lessons/${slug}/"]`,
    )) {
      if (link.closest('nav')) link.toggleAttribute('data-lesson-done', done.includes(slug));
    }
  }
}

function bindChecklist(list: HTMLElement, progress: Progress): void {
  const lesson = list.dataset.lesson;
  if (!lesson) return;
  const boxes = [...list.querySelectorAll<HTMLInputElement>('input[type="checkbox"][data-item]')];
  const saved = progress.lessons[lesson]?.items ?? {};
  for (const box of boxes) box.checked = saved[box.dataset.item ?? ''] === true;
  for (const box of boxes) {
    box.addEventListener('change', () => {
      const items: Record<string, true> = {};
      for (const other of boxes)
        if (other.checked && other.dataset.item) items[other.dataset.item] = true;
      progress.lessons[lesson] = { items, done: boxes.every((b) => b.checked) };
      write(progress);
      renderProgress(progress);
    });
  }
}

export function initProgress(): void {
  forgetOldVersions();
  const progress = read();
  for (const list of document.querySelectorAll<HTMLElement>('ul.lesson-checklist')) {
    bindChecklist(list, progress);
  }
  renderProgress(progress);
}
