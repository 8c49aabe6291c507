import XCTest
@testable import FinchData
