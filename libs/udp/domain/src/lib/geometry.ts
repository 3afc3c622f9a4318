import { badQuery } from './errors';

/** The GeoJSON geometries the gateway serves and `$filter` accepts (WGS 84, longitude first). */
export type Position = [number, number];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

function positions(text: string): Position[] {
  return text.split(',').map((pair) => {
    const parts = pair.trim().split(/\s+/).map(Number);
    const [x, y] = parts;
    if (
      parts.length !== 2 ||
      x === undefined ||
      y === undefined ||
      !Number.isFinite(x) ||
      !Number.isFinite(y)
    )
      throw badQuery(`invalid WKT coordinates "${pair.trim()}"`);
    return [x, y];
  });
}

/** Well-known text of a POINT, LINESTRING or POLYGON (outer ring; holes are accepted and ignored). */
export function parseWkt(wkt: string): Geometry {
  const m = /^\s*(POINT|LINESTRING|POLYGON)\s*\((.*)\)\s*$/i.exec(wkt);
  if (!m || m[1] === undefined || m[2] === undefined)
    throw badQuery(`unsupported geography literal "${wkt}": POINT, LINESTRING or POLYGON`);
  const kind = m[1].toUpperCase();
  if (kind === 'POINT') {
    const [p] = positions(m[2]);
    if (p === undefined) throw badQuery(`invalid POINT "${wkt}"`);
    return { type: 'Point', coordinates: p };
  }
  if (kind === 'LINESTRING') return { type: 'LineString', coordinates: positions(m[2]) };
  const rings = [...m[2].matchAll(/\(([^()]*)\)/g)].map((r) => positions(r[1] ?? ''));
  if (rings.length === 0 || (rings[0]?.length ?? 0) < 4) throw badQuery(`invalid POLYGON "${wkt}"`);
  return { type: 'Polygon', coordinates: rings };
}

function pointInRing([x, y]: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const samePoint = (a: Position, b: Position): boolean => a[0] === b[0] && a[1] === b[1];

function segmentDistance(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/**
 * Planar distance in degrees, as FROST-Server on a geometry column answers `geo.distance`: the spec
 * leaves the unit to the CRS, and WGS 84 has degrees.
 */
export function geometryDistance(a: Geometry, b: Geometry): number {
  if (a.type === 'Point' && b.type === 'Point')
    return Math.hypot(a.coordinates[0] - b.coordinates[0], a.coordinates[1] - b.coordinates[1]);
  const [p, other] = a.type === 'Point' ? [a, b] : b.type === 'Point' ? [b, a] : [undefined, undefined];
  if (p === undefined || other === undefined)
    throw badQuery('geo.distance is implemented between a point and any geometry');
  const line =
    other.type === 'LineString' ? other.coordinates : ((other.coordinates as Position[][])[0] ?? []);
  if (other.type === 'Polygon' && pointInRing(p.coordinates, line)) return 0;
  let best = Infinity;
  for (let i = 1; i < line.length; i++)
    best = Math.min(best, segmentDistance(p.coordinates, line[i - 1], line[i]));
  return best;
}

export function geometryLength(g: Geometry): number {
  if (g.type !== 'LineString') return 0;
  let sum = 0;
  for (let i = 1; i < g.coordinates.length; i++) {
    const [x0, y0] = g.coordinates[i - 1];
    const [x1, y1] = g.coordinates[i];
    sum += Math.hypot(x1 - x0, y1 - y0);
  }
  return sum;
}

/**
 * The spatial relations of SensorThings Table 20 for the pairs a grid's point locations meet: point–point
 * and point–polygon (either order). Other pairs are refused with a 400 rather than answered wrongly.
 */
export function spatialRelation(rel: string, a: Geometry, b: Geometry): boolean {
  if (a.type === 'Point' && b.type === 'Point') {
    const eq = samePoint(a.coordinates, b.coordinates);
    switch (rel) {
      case 'st_equals':
      case 'st_intersects':
      case 'st_within':
      case 'st_contains':
        return eq;
      case 'st_disjoint':
        return !eq;
      default:
        return false;
    }
  }
  const pointFirst = a.type === 'Point';
  const p = pointFirst ? a : b;
  const poly = pointFirst ? b : a;
  if (p.type !== 'Point' || poly.type !== 'Polygon')
    throw badQuery(`${rel} is implemented for point–point and point–polygon pairs`);
  const ring = poly.coordinates[0] ?? [];
  const inside = pointInRing(p.coordinates, ring);
  let onEdge = false;
  for (let i = 1; i < ring.length; i++)
    if (segmentDistance(p.coordinates, ring[i - 1], ring[i]) < 1e-12) onEdge = true;
  switch (rel) {
    case 'st_intersects':
      return inside || onEdge;
    case 'st_disjoint':
      return !(inside || onEdge);
    case 'st_within':
      return pointFirst && inside && !onEdge;
    case 'st_contains':
      return !pointFirst && inside && !onEdge;
    case 'st_touches':
      return onEdge;
    case 'st_equals':
    case 'st_overlaps':
    case 'st_crosses':
      return false;
    default:
      throw badQuery(`unknown spatial function ${rel}`);
  }
}
