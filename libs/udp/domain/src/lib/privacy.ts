/**
 * k-anonymity of the published aggregates. A node is published only when at least k metering points
 * stand behind it. A withheld node's energy stays inside its parent's totals (it is "merged into the
 * parent"). A parent minus its published children would reveal the withheld rest, so the withheld children
 * of one parent must together hold at least k metering points: while they do not, the smallest published
 * sibling is withheld too (complementary suppression, as statistics offices do for tables), looking
 * through withheld levels (a withheld feeder whose stations are published is no protection).
 */
export interface PrivacyNode {
  id: string;
  parentId: string | null;
  /** Metering points directly behind this node (for a leaf) or 0 for an inner node. */
  ownMeters: number;
}

export interface PrivacyDecision {
  published: Set<string>;
  /** Metering points behind every node (own plus every descendant). */
  meters: Map<string, number>;
}

export function decidePublication(nodes: readonly PrivacyNode[], k: number): PrivacyDecision {
  const children = new Map<string, PrivacyNode[]>();
  for (const n of nodes)
    if (n.parentId !== null) children.set(n.parentId, [...(children.get(n.parentId) ?? []), n]);
  const meters = new Map<string, number>();
  const total = (n: PrivacyNode): number => {
    const known = meters.get(n.id);
    if (known !== undefined) return known;
    const sum = n.ownMeters + (children.get(n.id) ?? []).reduce((s, c) => s + total(c), 0);
    meters.set(n.id, sum);
    return sum;
  };
  for (const n of nodes) total(n);
  const published = new Set(nodes.filter((n) => (meters.get(n.id) ?? 0) >= k).map((n) => n.id));
  // The published nodes just below a published node, looking through withheld ones: what a reader can
  // subtract from it. Their difference to the node (the withheld rest) must be 0 or at least k.
  const frontier = (id: string): PrivacyNode[] =>
    (children.get(id) ?? []).flatMap((c) => (published.has(c.id) ? [c] : frontier(c.id)));
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of nodes) {
      if (!published.has(n.id)) continue;
      const visible = frontier(n.id).sort((a, b) => (meters.get(a.id) ?? 0) - (meters.get(b.id) ?? 0));
      const rest = (meters.get(n.id) ?? 0) - visible.reduce((s, c) => s + (meters.get(c.id) ?? 0), 0);
      const smallest = visible[0];
      if (rest > 0 && rest < k && smallest !== undefined) {
        published.delete(smallest.id);
        changed = true;
      }
    }
  }
  return { published, meters };
}

/** A German metering point id (Messlokations-ID): DE and 31 characters. */
export const METERING_POINT_ID = /DE[0-9A-Z]{31}/;
