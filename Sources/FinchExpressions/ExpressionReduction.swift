/// Following a worked solution through an expression: each step must combine two numbers
/// that the expression (with earlier steps already substituted) combines.
extension ArithmeticExpression {
    /// The expression with the leftmost operation `left op right` on two plain numbers
    /// (either order if `op` is commutative) replaced by `result`, or nil if it has no such
    /// operation now.
    public func reducing(_ op: ArithmeticOperator, _ left: Int, _ right: Int, to result: Int) -> ArithmeticExpression? {
        guard case let .operation(nodeOperator, nodeLeft, nodeRight) = self else { return nil }
        if case .number(let a) = nodeLeft, case .number(let b) = nodeRight, nodeOperator == op,
           (a, b) == (left, right) || (op.isCommutative && (b, a) == (left, right)) {
            return .number(result)
        }
        if let reduced = nodeLeft.reducing(op, left, right, to: result) {
            return .operation(nodeOperator, reduced, nodeRight)
        }
        if let reduced = nodeRight.reducing(op, left, right, to: result) {
            return .operation(nodeOperator, nodeLeft, reduced)
        }
        return nil
    }

    /// The leftmost operation whose operands are now the plain numbers `left` and `right`
    /// (in either order), for telling a solver which operation it should have done.
    public func operation(on left: Int, _ right: Int) -> (op: ArithmeticOperator, left: Int, right: Int)? {
        guard case let .operation(op, nodeLeft, nodeRight) = self else { return nil }
        if case .number(let a) = nodeLeft, case .number(let b) = nodeRight, (a, b) == (left, right) || (b, a) == (left, right) {
            return (op, a, b)
        }
        return nodeLeft.operation(on: left, right) ?? nodeRight.operation(on: left, right)
    }
}
