import XCTest
@testable import FinchDistributed
