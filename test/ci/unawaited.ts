// Finds a promise used as a truth value: `!isSiteAdmin(...)`, `allowed && ...`, `if (mayManage(...))`. Once a check
// became async, such a line reads a promise (always truthy) as "yes": an authorisation bypass the compiler lets through
// for `!` and `&&`. Run by unawaited.test.ts over src; prints one line per finding.
import ts from 'typescript'

export function findUnawaited(configPath: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (!config) throw new Error(`cannot read ${configPath}`)
  const program = ts.createProgram(
    config.fileNames.filter((name) => name.includes('/src/')),
    config.options,
  )
  const checker = program.getTypeChecker()
  const findings: string[] = []
  // A promise and nothing else: `running?: Promise<void>` tested for presence is not a finding.
  const isPromise = (node: ts.Expression) => {
    const type = checker.getTypeAtLocation(node)
    const parts = type.isUnion() ? type.types : [type]
    return parts.every((part) => part.getSymbol()?.getName() === 'Promise')
  }
  const report = (node: ts.Node, what: string) => {
    const file = node.getSourceFile()
    const { line } = file.getLineAndCharacterOfPosition(node.getStart())
    findings.push(`${file.fileName.replace(/^.*\/src\//, 'src/')}:${line + 1}: ${what}: ${node.getText().slice(0, 80)}`)
  }
  const visit = (node: ts.Node) => {
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken && isPromise(node.operand)) {
      report(node, 'a promise negated')
    }
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind
      if ((op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) && isPromise(node.left)) {
        report(node.left, 'a promise as a condition')
      }
    }
    if ((ts.isIfStatement(node) || ts.isWhileStatement(node)) && isPromise(node.expression))
      report(node.expression, 'a promise as a condition')
    if (ts.isConditionalExpression(node) && isPromise(node.condition)) report(node.condition, 'a promise as a condition')
    ts.forEachChild(node, visit)
  }
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || !file.fileName.includes('/src/')) continue
    visit(file)
  }
  return findings
}

if (import.meta.main) {
  const findings = findUnawaited(`${import.meta.dir}/../../tsconfig.json`)
  for (const line of findings) console.log(line)
  process.exit(findings.length > 0 ? 1 : 0)
}
