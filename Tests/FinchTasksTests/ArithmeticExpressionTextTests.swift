import FinchKernels
import FinchExpressions
import XCTest
@testable import FinchTasks

/// The arithmetic task's generated expressions, parsed and written back as text: the same tree.
final class ArithmeticExpressionTextTests: XCTestCase {
    func testTextReadsBackAsTheSameTree() throws {
        var rng = RNG(seed: 7)
        let task = try ArithmeticTask(digits: 1...3, operations: 1...8)
        for _ in 0..<300 {
            let problem = task.randomProblem(using: &rng)
            let tree = try ExpressionParser().parse(problem.expression)
            XCTAssertEqual(try ExpressionParser().parse(tree.text), tree, problem.expression)
            XCTAssertEqual(try tree.value(), Rational(problem.answer))
        }
        // Right operands of equal precedence keep their brackets: a+(b-c) is not (a+b)-c.
        let tree = ArithmeticExpression.operation(.add, .number(1), .operation(.subtract, .number(2), .number(3)))
        XCTAssertEqual(tree.text, "1+(2-3)")
    }
}
