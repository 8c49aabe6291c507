import XCTest
@testable import FinchTrain
