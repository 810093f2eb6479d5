import * as path from 'path';
import * as ts from 'typescript';
import '../src';
import { PROP_KEYS } from '../src/validation/_prop-checks';

/*
 * The unknown-prop check compares every props object with a list of known keys. Those lists
 * must be the property names of the TypeScript interfaces, inherited ones included: a prop
 * added to an interface but not to its list would be refused as unknown, one removed from the
 * interface but left in the list would be accepted and ignored. The compiler API reads the
 * interfaces here, as users see them through the package index.
 */

const INDEX = path.join(__dirname, '..', 'src', 'index.ts');

/** Exported interfaces that are not props a user passes in, so nothing checks their keys. */
const NOT_INPUT: { [name: string]: string } = {
  GpuFitPlan: 'an output: what GpuFit.plan returns',
  RenderedEngine: 'an output: what InferenceEngine.render returns',
};

/** Every public interface the package index exports, with its property names (inherited included). */
function exportedInterfaces(): Map<string, string[]> {
  const program = ts.createProgram([INDEX], { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const index = checker.getSymbolAtLocation(program.getSourceFile(INDEX) as ts.SourceFile) as ts.Symbol;
  const result = new Map<string, string[]>();
  for (const exported of checker.getExportsOfModule(index)) {
    const symbol = hasFlag(exported, ts.SymbolFlags.Alias) ? checker.getAliasedSymbol(exported) : exported;
    // `@internal` interfaces (exported by `export *`) are stripped from the published API
    const internal = (symbol.declarations ?? []).some(d => ts.getJSDocTags(d).some(t => t.tagName.text === 'internal'));
    if (hasFlag(symbol, ts.SymbolFlags.Interface) && !internal) {
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      result.set(exported.getName(), checker.getPropertiesOfType(type).map(p => p.getName()).sort());
    }
  }
  return result;
}

/** Whether `symbol` has `flag` (a bit of the compiler's flag set). */
function hasFlag(symbol: ts.Symbol, flag: ts.SymbolFlags): boolean {
  // eslint-disable-next-line no-bitwise
  return (symbol.flags & flag) !== 0;
}

const interfaces = exportedInterfaces();

test('the compiler API finds the exported props interfaces (the test reads what it should)', () => {
  expect(interfaces.get('GpuProps')).toEqual(['accelerator', 'claim', 'count', 'nodeSelector', 'resourceName', 'sharedMemory', 'shmSize', 'tolerate']);
  // inherited props count: AiInferencePodProps extends InferenceWorkloadProps
  expect(interfaces.get('AiInferencePodProps')).toEqual(expect.arrayContaining(['server', 'gpu', 'metadata', 'restartPolicy']));
  expect(interfaces.size).toBeGreaterThan(40);
});

test.each([...PROP_KEYS.keys()].sort())('the known keys of %s are exactly the interface\'s properties', name => {
  expect(interfaces.has(name)).toBe(true);
  expect([...(PROP_KEYS.get(name) ?? [])].sort()).toEqual(interfaces.get(name));
});

test('every exported interface a user passes in has a known-key list', () => {
  const unchecked = [...interfaces.keys()].filter(name => !PROP_KEYS.has(name) && !(name in NOT_INPUT)).sort();
  expect(unchecked).toEqual([]);
  // and the exemptions are still exported, and still unchecked
  for (const name of Object.keys(NOT_INPUT)) {
    expect({ name, exported: interfaces.has(name), checked: PROP_KEYS.has(name) }).toEqual({ name, exported: true, checked: false });
  }
});
