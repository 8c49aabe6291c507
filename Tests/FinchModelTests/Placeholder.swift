import XCTest
@testable import FinchModel
