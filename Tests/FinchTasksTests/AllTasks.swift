@testable import FinchData
@testable import FinchTasks

/// One instance of every task and variant, for the properties all tasks must have.
let allTestTasks: [any VerifiableTask] = [
    VerifiableAddition(generator: try! AdditionTask(minDigits: 1, maxDigits: 4)),
    GeneralPointsTask(rule: .id),
    GeneralPointsTask(rule: .ood),
    GeneralPointsTask(rule: .id, reward: .binary),
    try! CountdownTask(),
    try! ArithmeticTask(),
    SignoffTask(),
]
