/**
 * Geometry of the grid schematic, computed once per topology: each substation is a busbar, its feeders
 * hang from it as vertical lines, and the secondary substations sit on their feeder top to bottom in
 * topology order. Pure, so the drawing component only paints.
 */
export interface SchematicBox {
  id: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SchematicStation extends SchematicBox {
  feederId: string;
  ratedKva: number;
}

export interface SchematicFeeder {
  id: string;
  label: string;
  x: number;
  y1: number;
  y2: number;
}

export interface SchematicLayout {
  width: number;
  height: number;
  substations: (SchematicBox & { busY: number; busX1: number; busX2: number })[];
  feeders: SchematicFeeder[];
  stations: SchematicStation[];
}

/** What the schematic needs of a topology: the full tree of the API, or one substation of the overview. */
export interface SchematicTree {
  readonly substations: readonly {
    id: string;
    name: string;
    feeders: readonly {
      id: string;
      secondarySubstations: readonly { id: string; name: string; ratedKva: number }[];
    }[];
  }[];
}

export const COLUMN_W = 132;
export const STATION_H = 34;
const STATION_GAP = 12;
const STATION_W = 112;
const TOP = 16;
const SUB_H = 34;
const BUS_GAP = 22;
const FEEDER_LABEL_H = 26;
const SUB_GAP = 28;

export function layoutSchematic(topology: SchematicTree): SchematicLayout {
  const out: SchematicLayout = { width: 0, height: 0, substations: [], feeders: [], stations: [] };
  let x = 8;
  let maxY = 0;
  for (const sub of topology.substations) {
    const cols = Math.max(1, sub.feeders.length);
    const w = cols * COLUMN_W;
    const busY = TOP + SUB_H + BUS_GAP;
    out.substations.push({
      id: sub.id,
      label: sub.name,
      x,
      y: TOP,
      w: w - 16,
      h: SUB_H,
      busY,
      busX1: x,
      busX2: x + w - 16,
    });
    sub.feeders.forEach((f, i) => {
      const fx = x + i * COLUMN_W + (COLUMN_W - 16) / 2;
      let y = busY + FEEDER_LABEL_H;
      for (const st of f.secondarySubstations) {
        out.stations.push({
          id: st.id,
          label: st.name,
          feederId: f.id,
          ratedKva: st.ratedKva,
          x: fx - STATION_W / 2,
          y,
          w: STATION_W,
          h: STATION_H,
        });
        y += STATION_H + STATION_GAP;
      }
      const y2 = Math.max(y - STATION_GAP, busY + FEEDER_LABEL_H + 8);
      out.feeders.push({ id: f.id, label: f.id, x: fx, y1: busY, y2 });
      maxY = Math.max(maxY, y2);
    });
    x += w + SUB_GAP;
  }
  out.width = Math.max(x - SUB_GAP + 8, 200);
  out.height = maxY + 16;
  return out;
}
