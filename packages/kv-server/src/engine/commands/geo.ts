// Geo: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER and
// their _RO variants, as Redis 7.0 does them (src/geo.c, geohash.c, geohash_helper.c). A geo
// set is a sorted set whose scores are 52-bit interleaved geohashes (26 bits of longitude over
// -180..180, 26 of latitude over the Web Mercator limits +-85.05112878), so every zset command
// works on it. Searches cover the circle or box with the geohash cell of the centre and its 8
// neighbours at the step Redis estimates, scan each cell's score range, and keep the points
// within the shape; distances are Redis's haversine on a sphere of radius 6372797.560856 m.
// Replies print as Redis does: distances with "%.4f", coordinates as the decoded cell centre
// with "%.17Lf" minus trailing zeros.

import {
  bulk,
  DoubleReply,
  ERRORS,
  fail,
  latin1,
  NULL_ARRAY,
  type Reply,
} from '../../protocol/reply.ts';
import type { Database } from '../database.ts';
import type { CommandContext, CommandSpec } from '../engine.ts';
import { parseDouble, parseInt64 } from '../parse.ts';
import { keyword } from './collections.ts';
import { ZSetValue } from './zsets.ts';

const GEO_STEP_MAX = 26;
const GEO_LAT_MIN = -85.05112878;
const GEO_LAT_MAX = 85.05112878;
const GEO_LONG_MIN = -180;
const GEO_LONG_MAX = 180;
const D_R = Math.PI / 180.0;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

interface Range {
  min: number;
  max: number;
}
const LONG_RANGE: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const LAT_RANGE: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

/** A geohash: `bits` holds 2*step bits (a JS number: at most 53 bits are ever used). */
interface HashBits {
  bits: number;
  step: number;
}

interface Area {
  longitude: Range;
  latitude: Range;
}

// ---------------------------------------------------------------------------------------------
// Bit interleaving (latitude on the even bits, longitude on the odd ones)

function spread16(v: number): number {
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v >>> 0;
}

/** interleave64(lat, lon) for two uint32 values. */
function interleave(lat: number, lon: number): number {
  const lo = (spread16(lat & 0xffff) | (spread16(lon & 0xffff) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return hi * 2 ** 32 + lo;
}

/** deinterleave64: [lat, lon] as uint32 values. */
function deinterleave(bits: number): [number, number] {
  const lo = bits % 2 ** 32;
  const hi = Math.floor(bits / 2 ** 32) >>> 0;
  const lat = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const lon = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  return [lat, lon];
}

// ---------------------------------------------------------------------------------------------
// Encoding, decoding, neighbours

function encode(
  lonRange: Range,
  latRange: Range,
  lon: number,
  lat: number,
  step: number,
): HashBits | undefined {
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN)
    return undefined;
  if (lat < latRange.min || lat > latRange.max || lon < lonRange.min || lon > lonRange.max)
    return undefined;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  // C converts the doubles to uint32_t (truncation).
  return { bits: interleave(Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0), step };
}

function decode(lonRange: Range, latRange: Range, hash: HashBits): Area {
  const [ilato, ilono] = deinterleave(hash.bits);
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const cells = 2 ** hash.step;
  return {
    latitude: {
      min: latRange.min + ((ilato * 1.0) / cells) * latScale,
      max: latRange.min + (((ilato + 1) * 1.0) / cells) * latScale,
    },
    longitude: {
      min: lonRange.min + ((ilono * 1.0) / cells) * lonScale,
      max: lonRange.min + (((ilono + 1) * 1.0) / cells) * lonScale,
    },
  };
}

/** geohashDecodeAreaToLongLat: the cell centre, clamped to the valid range. */
function areaCentre(area: Area): [number, number] {
  let lon = (area.longitude.min + area.longitude.max) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (area.latitude.min + area.latitude.max) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

/** decodeGeohash: a score as (uint64_t) bits at step 26, decoded to [lon, lat]. */
function decodeScore(score: number): [number, number] {
  // (uint64_t)score. A point at the very edge (+180 or +85.05112878) encodes a 27th bit, so a
  // score may exceed 2^52; deinterleave reads any double below 2^64 exactly.
  const bits = score >= 0 && score < 2 ** 64 ? Math.trunc(score) : 0;
  return areaCentre(decode(LONG_RANGE, LAT_RANGE, { bits, step: GEO_STEP_MAX }));
}

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** geohash_move_x (longitude: the odd bits) and geohash_move_y (latitude: the even bits). */
function move(hash: HashBits, dx: number, dy: number): HashBits {
  const shift = BigInt(64 - hash.step * 2);
  let bits = moveAxis(BigInt(hash.bits), shift, dx, ODD, EVEN);
  bits = moveAxis(bits, shift, dy, EVEN, ODD);
  return { bits: Number(bits), step: hash.step };
}

/** One cell along the axis whose bits `axis` masks; `other` masks the axis left as it is. */
function moveAxis(bits: bigint, shift: bigint, d: number, axis: bigint, other: bigint): bigint {
  if (d === 0) return bits;
  let v = bits & axis;
  const zz = other >> shift;
  if (d > 0) v = v + (zz + 1n);
  else v = (v | zz) - (zz + 1n);
  return (BigInt.asUintN(64, v) & (axis >> shift)) | (bits & other);
}

function degRad(ang: number): number {
  return ang * D_R;
}
function radDeg(ang: number): number {
  return ang / D_R;
}

function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: haversine, with Redis's shortcut when the longitudes are the same. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---------------------------------------------------------------------------------------------
// Shapes and the search area

interface Shape {
  kind: 'circle' | 'box';
  lon: number;
  lat: number;
  /** Unit to meters. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

function boundingBox(shape: Shape): [number, number, number, number] {
  const height = shape.conversion * (shape.kind === 'circle' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.kind === 'circle' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(
    width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(shape.lat + latDelta)),
  );
  const lonDeltaBottom = radDeg(
    width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(shape.lat - latDelta)),
  );
  const southern = shape.lat < 0;
  return [
    southern ? shape.lon - lonDeltaBottom : shape.lon - lonDeltaTop,
    shape.lat - latDelta,
    southern ? shape.lon + lonDeltaBottom : shape.lon + lonDeltaTop,
    shape.lat + latDelta,
  ];
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

const ZERO: HashBits = { bits: 0, step: 0 };

/** geohashCalculateAreasByShapeWGS84: the centre cell and its 8 neighbours, useless ones zeroed. */
function searchAreas(shape: Shape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  let radiusMeters =
    shape.kind === 'circle'
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, shape.lat);
  const cells = (s: number) => {
    const hash = encode(LONG_RANGE, LAT_RANGE, shape.lon, shape.lat, s) ?? { bits: 0, step: s };
    return {
      hash,
      north: move(hash, 0, 1),
      south: move(hash, 0, -1),
      east: move(hash, 1, 0),
      west: move(hash, -1, 0),
      northEast: move(hash, 1, 1),
      northWest: move(hash, -1, 1),
      southEast: move(hash, 1, -1),
      southWest: move(hash, -1, -1),
    };
  };
  let n = cells(steps);
  const north = decode(LONG_RANGE, LAT_RANGE, n.north);
  const south = decode(LONG_RANGE, LAT_RANGE, n.south);
  const east = decode(LONG_RANGE, LAT_RANGE, n.east);
  const west = decode(LONG_RANGE, LAT_RANGE, n.west);
  const decrease =
    north.latitude.max < maxLat ||
    south.latitude.min > minLat ||
    east.longitude.max < maxLon ||
    west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    n = cells(steps);
  }
  const area = decode(LONG_RANGE, LAT_RANGE, n.hash);
  if (steps >= 2) {
    // A side of the centre cell already past the search box: its three neighbours are useless.
    const past: [boolean, (keyof typeof n)[]][] = [
      [area.latitude.min < minLat, ['south', 'southWest', 'southEast']],
      [area.latitude.max > maxLat, ['north', 'northEast', 'northWest']],
      [area.longitude.min < minLon, ['west', 'southWest', 'northWest']],
      [area.longitude.max > maxLon, ['east', 'southEast', 'northEast']],
    ];
    for (const [isPast, sides] of past) {
      if (isPast) for (const side of sides) n[side] = ZERO;
    }
  }
  return [
    n.hash,
    n.north,
    n.south,
    n.east,
    n.west,
    n.northEast,
    n.northWest,
    n.southEast,
    n.southWest,
  ];
}

interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/** geoWithinShape: the distance from the centre when the point is inside, else undefined. */
function withinShape(shape: Shape, lon: number, lat: number): number | undefined {
  if (shape.kind === 'circle') {
    const d = geoDistance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? undefined : d;
  }
  const width = shape.width * shape.conversion;
  const height = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > height / 2) return undefined;
  if (geoDistance(lon, lat, shape.lon, lat) > width / 2) return undefined;
  return geoDistance(shape.lon, shape.lat, lon, lat);
}

function align52(hash: HashBits): number {
  return hash.bits * 2 ** (52 - hash.step * 2);
}

/** membersOfAllNeighbors: the points of the 9 cells within the shape (at most `limit` with ANY). */
function pointsInShape(zset: ZSetValue, shape: Shape, limit: number): GeoPoint[] {
  const found: GeoPoint[] = [];
  const areas = searchAreas(shape);
  let last = 0;
  for (let i = 0; i < areas.length; i++) {
    const cell = areas[i]!;
    if (cell.bits === 0 && cell.step === 0) continue;
    const previous = areas[last]!;
    // Huge radii make neighbours coincide: skip one equal to the previous cell searched (never
    // compared with the centre cell, as in Redis).
    if (last !== 0 && cell.bits === previous.bits && cell.step === previous.step) continue;
    if (found.length > 0 && limit > 0 && found.length >= limit) break;
    const min = align52(cell);
    const max = align52({ bits: cell.bits + 1, step: cell.step });
    const from = zset.partition((e) => e.score < min);
    const to = zset.partition((e) => e.score < max);
    for (const entry of zset.range(from, to)) {
      const [lon, lat] = decodeScore(entry.score);
      const dist = withinShape(shape, lon, lat);
      if (dist !== undefined)
        found.push({ member: entry.member, score: entry.score, lon, lat, dist });
      if (found.length > 0 && limit > 0 && found.length >= limit) break;
    }
    last = i;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Argument parsing and formatting

/** C's "%f" (six decimals) for the coordinate error. */
function cFixed6(d: number): string {
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  if (Math.abs(d) >= 1e21) return `${BigInt(d).toString()}.000000`;
  // C's %f keeps the sign of -0; toFixed drops it.
  if (Object.is(d, -0)) return '-0.000000';
  return d.toFixed(6);
}

function floatArg(arg: Buffer, message: string = ERRORS.notFloat): number {
  const d = parseDouble(arg);
  if (d === undefined) fail(message);
  return d;
}

/** extractLongLatOrReply. */
function lonLatArgs(lonArg: Buffer, latArg: Buffer): [number, number] {
  const lon = floatArg(lonArg);
  const lat = floatArg(latArg);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    fail(`ERR invalid longitude,latitude pair ${cFixed6(lon)},${cFixed6(lat)}`);
  }
  return [lon, lat];
}

/** extractUnitOrReply: meters per unit. */
function unitArg(arg: Buffer): number {
  const unit = keyword(arg);
  if (unit === 'm') return 1;
  if (unit === 'km') return 1000;
  if (unit === 'ft') return 0.3048;
  if (unit === 'mi') return 1609.34;
  fail('ERR unsupported unit provided. please use M, KM, FT, MI');
}

/** "%.4f" of a distance. */
function distanceReply(d: number): Buffer {
  return bulk(d.toFixed(4));
}

/** addReplyHumanLongDouble: "%.17Lf" without trailing zeros. */
function coordText(d: number): string {
  let s = d.toFixed(17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** A coordinate: a double in RESP3 (`,` and the same text), a bulk string in RESP2. */
function coord(d: number): DoubleReply {
  return new DoubleReply(d, bulk(coordText(d)));
}

function lookupGeo(db: Database, key: string): ZSetValue | undefined {
  return db.lookupCollection<ZSetValue>(key, 'zset');
}

function memberPosition(zset: ZSetValue, member: string): [number, number] | undefined {
  const score = zset.scores.get(member);
  return score === undefined ? undefined : decodeScore(score);
}

// ---------------------------------------------------------------------------------------------
// Commands

function geoadd(ctx: CommandContext, argv: Buffer[]): Reply {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const opt = keyword(argv[longidx]!);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt !== 'ch') break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) fail(ERRORS.syntax);
  // GEOADD is ZADD with each longitude,latitude turned into its 52-bit score.
  const zaddArgv: Buffer[] = [Buffer.from('zadd'), ...argv.slice(1, longidx)];
  for (let i = longidx; i < argv.length; i += 3) {
    const [lon, lat] = lonLatArgs(argv[i]!, argv[i + 1]!);
    const hash = encode(LONG_RANGE, LAT_RANGE, lon, lat, GEO_STEP_MAX)!;
    zaddArgv.push(Buffer.from(String(align52(hash))), argv[i + 2]!);
  }
  const zadd = ctx.engine.command('zadd');
  if (zadd === undefined) fail('ERR internal error: ZADD is missing');
  return zadd.handler(ctx, zaddArgv);
}

function geodist(ctx: CommandContext, argv: Buffer[]): Reply {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitArg(argv[4]!);
  else if (argv.length > 5) fail(ERRORS.syntax);
  const zset = lookupGeo(ctx.db, latin1(argv[1]!));
  if (zset === undefined) return null;
  const a = memberPosition(zset, latin1(argv[2]!));
  const b = memberPosition(zset, latin1(argv[3]!));
  if (a === undefined || b === undefined) return null;
  return distanceReply(geoDistance(a[0], a[1], b[0], b[1]) / toMeter);
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

function geohash(ctx: CommandContext, argv: Buffer[]): Reply {
  const zset = lookupGeo(ctx.db, latin1(argv[1]!));
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const pos = zset === undefined ? undefined : memberPosition(zset, latin1(argv[j]!));
    if (pos === undefined) {
      out.push(null);
      continue;
    }
    // Redis's scores use latitudes within +-85.05; a standard geohash uses +-90: re-encode.
    const hash = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, pos[0], pos[1], 26) ?? {
      bits: 0,
      step: 26,
    };
    const bits = BigInt(hash.bits);
    let text = '';
    for (let i = 0; i < 11; i++) {
      // 52 bits make 10.4 characters: the 11th is taken as zero (as Redis does).
      const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
      text += GEOALPHABET[idx];
    }
    out.push(bulk(text));
  }
  return out;
}

function geopos(ctx: CommandContext, argv: Buffer[]): Reply {
  const zset = lookupGeo(ctx.db, latin1(argv[1]!));
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const pos = zset === undefined ? undefined : memberPosition(zset, latin1(argv[j]!));
    out.push(pos === undefined ? NULL_ARRAY : [coord(pos[0]), coord(pos[1])]);
  }
  return out;
}

interface SearchFlags {
  coords?: boolean;
  member?: boolean;
  noStore?: boolean;
  search?: boolean;
  searchStore?: boolean;
}

/** georadiusGeneric: GEORADIUS*, GEOSEARCH and GEOSEARCHSTORE. */
function georadius(
  ctx: CommandContext,
  argv: Buffer[],
  srcIndex: number,
  flags: SearchFlags,
): Reply {
  const name = latin1(argv[0]!);
  const zset = lookupGeo(ctx.db, latin1(argv[srcIndex]!));
  const shape: Shape = {
    kind: 'circle',
    lon: 0,
    lat: 0,
    conversion: 1,
    radius: 0,
    width: 0,
    height: 0,
  };
  let storeKey: string | undefined;
  let storeDist = false;
  let baseArgs: number;
  const radiusArgs = (at: number) => {
    const radius = floatArg(argv[at]!, 'ERR need numeric radius');
    if (radius < 0) fail('ERR radius cannot be negative');
    shape.radius = radius;
    shape.conversion = unitArg(argv[at + 1]!);
  };
  if (flags.coords) {
    baseArgs = 6;
    [shape.lon, shape.lat] = lonLatArgs(argv[2]!, argv[3]!);
    radiusArgs(4);
  } else if (flags.member && zset === undefined) {
    baseArgs = 5;
  } else if (flags.member) {
    baseArgs = 5;
    const pos = memberPosition(zset!, latin1(argv[2]!));
    if (pos === undefined) fail('ERR could not decode requested zset member');
    [shape.lon, shape.lat] = pos;
    radiusArgs(3);
  } else {
    baseArgs = flags.searchStore ? 3 : 2;
    if (flags.searchStore) storeKey = latin1(argv[1]!);
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const at = baseArgs + i;
    const arg = keyword(argv[at]!);
    if (arg === 'withdist') withDist = true;
    else if (arg === 'withhash') withHash = true;
    else if (arg === 'withcoord') withCoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = 'asc';
    else if (arg === 'desc') sort = 'desc';
    else if (arg === 'count' && i + 1 < remaining) {
      const n = parseInt64(argv[at + 1]!);
      if (n === undefined) fail(ERRORS.notInteger);
      if (n <= 0n) fail('ERR COUNT must be > 0');
      count = Number(n);
      i++;
    } else if (
      (arg === 'store' || arg === 'storedist') &&
      i + 1 < remaining &&
      !flags.noStore &&
      !flags.search
    ) {
      storeKey = latin1(argv[at + 1]!);
      storeDist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && flags.search && flags.searchStore) {
      storeDist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && flags.search && !fromLoc) {
      if (zset !== undefined) {
        const pos = memberPosition(zset, latin1(argv[at + 1]!));
        if (pos === undefined) fail('ERR could not decode requested zset member');
        [shape.lon, shape.lat] = pos;
      }
      fromMember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && flags.search && !fromMember) {
      [shape.lon, shape.lat] = lonLatArgs(argv[at + 1]!, argv[at + 2]!);
      fromLoc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && flags.search && !byBox) {
      radiusArgs(at + 1);
      shape.kind = 'circle';
      byRadius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && flags.search && !byRadius) {
      const width = floatArg(argv[at + 1]!, 'ERR need numeric width');
      const height = floatArg(argv[at + 2]!, 'ERR need numeric height');
      if (height < 0 || width < 0) fail('ERR height or width cannot be negative');
      shape.width = width;
      shape.height = height;
      shape.conversion = unitArg(argv[at + 3]!);
      shape.kind = 'box';
      byBox = true;
      i += 3;
    } else fail(ERRORS.syntax);
  }

  if (storeKey !== undefined && (withDist || withHash || withCoords)) {
    const what = flags.searchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    fail(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags.search && !(fromMember || fromLoc)) {
    fail(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
  }
  if (flags.search && !(byRadius || byBox)) {
    fail(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
  }
  if (any && count === 0) fail('ERR the ANY argument requires COUNT argument');

  if (zset === undefined) {
    if (storeKey !== undefined) {
      ctx.db.delete(storeKey);
      return 0;
    }
    return [];
  }
  // COUNT alone means the nearest N: it sorts ascending (not with ANY).
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';

  const points = pointsInShape(zset, shape, any ? count : 0);
  if (points.length === 0 && storeKey === undefined) return [];
  if (sort === 'asc') points.sort((a, b) => a.dist - b.dist);
  else if (sort === 'desc') points.sort((a, b) => b.dist - a.dist);
  const returned = count === 0 || points.length < count ? points.length : count;
  const results = points.slice(0, returned);

  if (storeKey === undefined) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
    return results.map((p) => {
      const member = bulk(p.member);
      if (options === 0) return member;
      const item: Reply[] = [member];
      if (withDist) item.push(distanceReply(p.dist / shape.conversion));
      if (withHash) item.push(Math.trunc(p.score));
      if (withCoords) item.push([coord(p.lon), coord(p.lat)]);
      return item;
    });
  }
  if (returned === 0) {
    ctx.db.delete(storeKey);
    return 0;
  }
  const stored = new ZSetValue();
  for (const p of results) stored.set(p.member, storeDist ? p.dist / shape.conversion : p.score);
  ctx.db.set(storeKey, stored);
  return returned;
}

/** A search command: they differ only in their flags, and GEOSEARCHSTORE's source comes second. */
function search(name: string, arity: number, write: boolean, flags: SearchFlags): CommandSpec {
  const srcIndex = flags.searchStore ? 2 : 1;
  return { name, arity, write, handler: (ctx, argv) => georadius(ctx, argv, srcIndex, flags) };
}

export const geoCommands: CommandSpec[] = [
  { name: 'geoadd', arity: -5, write: true, handler: geoadd },
  { name: 'geodist', arity: -4, handler: geodist },
  { name: 'geohash', arity: -2, handler: geohash },
  { name: 'geopos', arity: -2, handler: geopos },
  search('georadius', -6, true, { coords: true }),
  search('georadius_ro', -6, false, { coords: true, noStore: true }),
  search('georadiusbymember', -5, true, { member: true }),
  search('georadiusbymember_ro', -5, false, { member: true, noStore: true }),
  search('geosearch', -7, false, { search: true }),
  search('geosearchstore', -8, true, { search: true, searchStore: true }),
];
