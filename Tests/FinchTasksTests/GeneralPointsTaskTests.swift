import FinchKernels
import XCTest
@testable import FinchData
@testable import FinchTasks

final class GeneralPointsTaskTests: XCTestCase {
    private let idTask = GeneralPointsTask(rule: .id)
    private let oodTask = GeneralPointsTask(rule: .ood)
    private let deal = GeneralPointsDeal(cards: ["10", "4", "A", "3"])

    private func answer(_ formula: String) -> String { "numbers: 10, 4, 1, 3\nformula: \(formula)" }

    func testCardValuesFollowTheRule() {
        XCTAssertEqual(idTask.values(of: GeneralPointsDeal(cards: ["A", "J", "Q", "K"])), [1, 10, 10, 10])
        XCTAssertEqual(oodTask.values(of: GeneralPointsDeal(cards: ["A", "J", "Q", "K"])), [1, 11, 12, 13])
        XCTAssertNil(idTask.value(of: "Z"))
    }

    func testPromptListsTheCardsAndTheRuleInWords() {
        let prompt = oodTask.prompt(for: GeneralPointsDeal(cards: ["K", "5", "2", "7"]))
        XCTAssertTrue(prompt.contains("Cards: K, 5, 2, 7"), prompt)
        XCTAssertTrue(prompt.contains("J is 11, Q is 12 and K is 13"), prompt)
        XCTAssertTrue(idTask.prompt(for: deal).contains("J, Q and K are 10"))
    }

    func testShapedRewardsFollowThePaper() {
        let cases: [(String, Double, Bool, Bool)] = [
            (answer("(10-4)*(1+3) = 24"), 5, true, true),
            (answer("(1+3)*(10-4) = 24"), 5, true, true),
            (answer("10*4+1-3 = 24"), -1, false, true),          // legal, right numbers, 38
            (answer("none"), -1, false, true),                     // declares no solution
            (answer("(10-4)*(4+3) = 24"), -2, false, true),        // 4 twice, 1 never
            (answer("(10-4)*4 = 24"), -2, false, true),            // a card left out
            (answer("24 = 24"), -2, false, true),
            (answer("(10+4)/(1-1)*3 = 24"), -2, false, true),      // numbers are checked first
            (answer("(10-4)*(1+3)"), -3, false, false),            // no "= 24"
            (answer("(10-4)*(1+3) = 25"), -3, false, false),
            (answer("((10-4)*(1+3) = 24"), -3, false, false),      // unbalanced
            ("The answer is (10-4)*(1+3) = 24", -3, false, false), // no formula: line
            ("", -3, false, false),
        ]
        for (completion, reward, correct, formatOK) in cases {
            let verdict = idTask.score(deal, completion: completion)
            XCTAssertEqual(verdict.reward, reward, "\(completion): \(verdict.reason)")
            XCTAssertEqual(verdict.correct, correct, completion)
            XCTAssertEqual(verdict.formatOK, formatOK, completion)
            let binary = GeneralPointsTask(rule: .id, reward: .binary).score(deal, completion: completion)
            XCTAssertEqual(binary.reward, correct ? 1 : 0, completion)
        }
    }

    func testDivisionByZeroIsAnIllegalFormula() {
        let zeroDeal = GeneralPointsDeal(cards: ["2", "2", "6", "4"])
        let verdict = idTask.score(zeroDeal, completion: "formula: 6*4/(2-2) = 24")
        XCTAssertEqual(verdict.reward, -3)
        XCTAssertTrue(verdict.reason.contains("division by zero"), verdict.reason)
    }

    func testExactArithmeticAcceptsFractionalSolutions() {
        let fractionDeal = GeneralPointsDeal(cards: ["8", "3", "8", "3"])
        XCTAssertTrue(idTask.score(fractionDeal, completion: "formula: 8/(3-8/3) = 24").correct)
    }

    func testTheLastFormulaLineCounts() {
        let revised = "formula: 10+4+1+3 = 24\nNo, that is 18.\nFORMULA: (10-4)*(1+3) = 24"
        XCTAssertTrue(idTask.score(deal, completion: revised).correct)
    }

    func testFaceCardsAreWorthWhatTheRuleSays() {
        let faces = GeneralPointsDeal(cards: ["K", "Q", "2", "2"])
        XCTAssertTrue(idTask.score(faces, completion: "formula: 10+10+2+2 = 24").correct)
        XCTAssertFalse(oodTask.score(faces, completion: "formula: 10+10+2+2 = 24").correct)
        XCTAssertTrue(oodTask.score(faces, completion: "formula: 13+12-2/2 = 24").correct)
    }

    func testGeneratedDealsAreSolvableAndOODDealsHoldAFaceCard() {
        var rng = RNG(seed: 4)
        for task in [idTask, oodTask] {
            for _ in 0..<300 {
                let deal = task.randomProblem(using: &rng)
                XCTAssertNil(task.defect(in: deal))
                XCTAssertEqual(deal.cards.count, 4)
                let reference = task.referenceSolution(for: deal)
                XCTAssertTrue(task.score(deal, completion: reference).correct, reference)
                if task.cardRule == .ood {
                    XCTAssertTrue(deal.cards.contains { ["J", "Q", "K"].contains($0) }, "\(deal.cards)")
                }
            }
        }
    }

    func testReferenceSolutionHasTheDocumentedShape() {
        XCTAssertEqual(idTask.referenceSolution(for: GeneralPointsDeal(cards: ["K", "4", "A", "3"])).split(separator: "\n").first,
                       "numbers: 10, 4, 1, 3")
        XCTAssertTrue(idTask.referenceSolution(for: deal).hasSuffix(" = 24"))
    }

    func testCriticLocatesTheFirstError() {
        func critique(_ solution: String, _ task: GeneralPointsTask? = nil, _ cards: GeneralPointsDeal? = nil) -> Critique {
            (task ?? idTask).critique(cards ?? deal, solution: solution)
        }
        let right = critique(answer("(10-4)*(1+3) = 24"))
        XCTAssertTrue(right.judgesRight)
        XCTAssertTrue(right.text.contains("10-4=6, 1+3=4, 6*4=24."), right.text)
        XCTAssertTrue(right.text.hasSuffix("\nConclusion: right"))

        let twice = GeneralPointsDeal(cards: ["8", "3", "A", "4"])
        let reused = critique("formula: (8+8)*(4-1) = 24", nil, twice)
        XCTAssertFalse(reused.judgesRight)
        XCTAssertTrue(reused.text.contains("The formula uses 8 twice and never uses 3."), reused.text)

        let off = critique(answer("10*(4-1)-3-1 = 24"))
        XCTAssertFalse(off.text.contains("evaluates"), "numbers are wrong before the value is")
        let value = critique(answer("10+4*(1+3) = 24"))
        XCTAssertTrue(value.text.contains("The expression evaluates to 26, not 24."), value.text)
        XCTAssertTrue(value.text.hasSuffix("\nConclusion: wrong"))

        let misread = critique("numbers: 10, 5, 2, 7\nformula: 10+5+2+7 = 24", oodTask, GeneralPointsDeal(cards: ["J", "5", "2", "7"]))
        XCTAssertFalse(misread.judgesRight)
        XCTAssertTrue(misread.text.contains("under this rule they are 11, 5, 2, 7"), misread.text)

        let none = critique(answer("none"))
        XCTAssertTrue(none.text.contains("24 cannot be made, but "), none.text)
        XCTAssertFalse(none.judgesRight)
    }

    func testFlawedSolutionsAreRejectedAndVaried() {
        var rng = RNG(seed: 9)
        var kinds = Set<String>()
        for _ in 0..<200 {
            let deal = oodTask.randomProblem(using: &rng)
            let flawed = oodTask.flawedSolution(for: deal, using: &rng)
            let verdict = oodTask.score(deal, completion: flawed)
            XCTAssertFalse(verdict.correct, flawed)
            XCTAssertTrue(verdict.formatOK, flawed)
            kinds.insert(String(verdict.reason.prefix(12)))
        }
        // Wrong numbers, a wrong value and a declared non-solution all occur.
        XCTAssertTrue(kinds.contains { $0.hasPrefix("the formula") }, "\(kinds)")
        XCTAssertTrue(kinds.contains { $0.hasPrefix("evaluates") }, "\(kinds)")
        XCTAssertTrue(kinds.contains { $0.hasPrefix("declared") }, "\(kinds)")
    }
}
