import FinchKernels
import Foundation
import XCTest
@testable import FinchExpressions

/// Exact rationals, the guarded parser and the expression solver that every arithmetic task
/// stands on.
final class ExpressionTests: XCTestCase {
    private func value(_ text: String) throws -> Rational { try ExpressionParser().parse(text).value() }

    func testRationalArithmeticIsExact() throws {
        XCTAssertEqual(try value("8/(3-8/3)"), Rational(24))
        XCTAssertEqual(try value("1/3+1/6"), try Rational(numerator: 1, denominator: 2))
        XCTAssertEqual(try value("2-7"), Rational(-5))
        XCTAssertEqual(try Rational(numerator: 6, denominator: -4).description, "-3/2")
        XCTAssertEqual(try value("(10-4)*(1+3)").integerValue, 24)
    }

    func testArithmeticFailuresAreErrorsNotTraps() {
        XCTAssertThrowsError(try value("4/(2-2)")) { XCTAssertEqual($0 as? ArithmeticFailure, .divisionByZero) }
        XCTAssertThrowsError(try value("999999999999999*999999999999999*999999999999999")) {
            XCTAssertEqual($0 as? ArithmeticFailure, .overflow)
        }
        XCTAssertThrowsError(try value("1/999999999999999/999999999999999/999999999999999")) {
            XCTAssertEqual($0 as? ArithmeticFailure, .overflow)
        }
        XCTAssertThrowsError(try Rational(numerator: Int.min, denominator: 1))
    }

    func testParserRejectsMalformedText() {
        let parser = ExpressionParser()
        for text in ["", "   ", "(1+2", "1+2)", "1+", "*3", "1.5+2", "2^3", "a+b", "１+2", "3 4", "-3+27", "()",
                     "1234567890123456+1"] {
            XCTAssertThrowsError(try parser.parse(text), "'\(text)' should not parse")
        }
    }

    func testParserAcceptsTypographicOperatorsAndSpaces() throws {
        XCTAssertEqual(try value(" ( 10 − 4 ) × ( 1 + 3 ) "), Rational(24))
        XCTAssertEqual(try value("12÷4"), Rational(3))
    }

    func testParserBoundsLengthAndNesting() {
        let deep = String(repeating: "(", count: 41) + "1" + String(repeating: ")", count: 41)
        XCTAssertThrowsError(try ExpressionParser().parse(deep)) {
            XCTAssertTrue(($0 as? ExpressionSyntaxError)?.reason.contains("nested") == true)
        }
        XCTAssertNoThrow(try ExpressionParser().parse(String(repeating: "(", count: 40) + "1" + String(repeating: ")", count: 40)))
        let long = Array(repeating: "1", count: 300).joined(separator: "+")
        XCTAssertThrowsError(try ExpressionParser().parse(long))
        XCTAssertThrowsError(try ExpressionParser().parse(String(repeating: "(", count: 100_000)))
    }

    func testNegativeLiteralsOnlyWhenAllowed() throws {
        XCTAssertThrowsError(try ExpressionParser().parse("(-4)*6"))
        let steps = ExpressionParser(allowsNegativeLiterals: true)
        XCTAssertEqual(try steps.parse("(-4)*6").value(), Rational(-24))
        XCTAssertEqual(try steps.parse("-4*6").value(), Rational(-24))
    }

    func testStepsWorkTheExpressionLeftToRight() throws {
        let steps = try ExpressionParser().parse("(37+58)*4-17").steps()
        XCTAssertEqual(steps.map(\.text), ["37+58=95", "95*4=380", "380-17=363"])
        let fractional = try ExpressionParser().parse("8/(3-8/3)").steps()
        XCTAssertEqual(fractional.map(\.text), ["8/3=8/3", "3-(8/3)=1/3", "8/(1/3)=24"])
        // Each fractional step reads back as a true equation.
        for step in fractional {
            let (left, right) = try ExpressionParser(allowsNegativeLiterals: true).parseEquation(step.text)
            XCTAssertEqual(try left.value(), try right.value(), step.text)
        }
    }

    func testSolverFindsKnownSolutionsAndRejectsUnsolvableDeals() throws {
        for deal in [[10, 4, 1, 3], [8, 3, 8, 3], [1, 5, 5, 5], [3, 3, 7, 7], [4, 4, 10, 10]] {
            let solution = try XCTUnwrap(ExpressionSearch.solve(deal, target: Rational(24)), "\(deal)")
            XCTAssertEqual(try solution.value(), Rational(24), solution.text)
            XCTAssertEqual(solution.numbers.sorted(), deal.sorted(), solution.text)
        }
        for deal in [[1, 1, 1, 1], [1, 1, 1, 2], [13, 13, 13, 13], [1, 1, 5, 9]] {
            XCTAssertNil(ExpressionSearch.solve(deal, target: Rational(24)), "\(deal)")
        }
        // The canonical solution depends only on the multiset of numbers.
        XCTAssertEqual(ExpressionSearch.solve([3, 1, 4, 10], target: Rational(24)),
                       ExpressionSearch.solve([10, 4, 1, 3], target: Rational(24)))
    }

    func testReachableIntegersUseEveryNumber() {
        let reachable = ExpressionSearch.reachableIntegers([2, 3], in: 0...100)
        XCTAssertEqual(reachable, [5, 1, 6])  // 2+3, 3-2, 2*3; 3/2 is not whole, 2 and 3 alone use one number
    }

    func testSolverIsFastEnoughForTensOfThousandsOfDeals() {
        var rng = RNG(seed: 1)
        let start = Date()
        var solvable = 0
        for _ in 0..<20_000 where ExpressionSearch.solve((0..<4).map { _ in 1 + rng.below(13) }, target: Rational(24)) != nil {
            solvable += 1
        }
        XCTAssertGreaterThan(solvable, 10_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60, "20,000 deals should solve in seconds")
    }

    func testNumberUsageNamesWhatIsOff() {
        XCTAssertNil(NumberUsage.mismatch(used: [3, 8, 8, 3], given: [8, 3, 8, 3]))
        XCTAssertEqual(NumberUsage.mismatch(used: [8, 8, 1, 4], given: [8, 3, 1, 4]), "uses 8 twice and never uses 3")
        XCTAssertEqual(NumberUsage.mismatch(used: [7, 1, 4, 8], given: [8, 3, 1, 4]),
                       "uses 7, which is not one of the numbers and never uses 3")
        XCTAssertEqual(NumberUsage.mismatch(used: [5], given: [5, 5]), "uses 5 once but it is given twice")
    }
}
