/** Finding where a value sits in a YAML source, so errors can name the line. */
import { isMap, isScalar, type Document, type Node } from 'yaml';

export type YamlPath = (string | number)[];

/** Source offset of the node at `path` (its key when `at` is 'key'), or of its nearest existing ancestor. */
export function locate(doc: Document, path: YamlPath, at: 'key' | 'value'): number | undefined {
  if (at === 'key' && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === path[path.length - 1]);
      const range = (pair?.key as Node | undefined)?.range;
      if (range) return range[0];
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as Node | null | undefined)?.range;
    if (range) return range[0];
  }
  return undefined;
}
