/// Small edits of an expression tree, the raw material of flawed solutions. Leaves and
/// operators are numbered left to right as they appear in the expression's text.
extension ArithmeticExpression {
    public var leafCount: Int {
        guard case let .operation(_, left, right) = self else { return 1 }
        return left.leafCount + right.leafCount
    }

    public var operatorCount: Int { leafCount - 1 }

    /// The expression with leaf `index` replaced by `number`.
    public func replacingLeaf(_ index: Int, with number: Int) -> ArithmeticExpression {
        switch self {
        case .number:
            return index == 0 ? .number(number) : self
        case let .operation(op, left, right):
            let leftLeaves = left.leafCount
            return index < leftLeaves
                ? .operation(op, left.replacingLeaf(index, with: number), right)
                : .operation(op, left, right.replacingLeaf(index - leftLeaves, with: number))
        }
    }

    /// The expression with operator `index` replaced by `newOperator`.
    public func replacingOperator(_ index: Int, with newOperator: ArithmeticOperator) -> ArithmeticExpression {
        guard case let .operation(op, left, right) = self else { return self }
        let leftOperators = left.operatorCount
        if index < leftOperators { return .operation(op, left.replacingOperator(index, with: newOperator), right) }
        if index == leftOperators { return .operation(newOperator, left, right) }
        return .operation(op, left, right.replacingOperator(index - leftOperators - 1, with: newOperator))
    }

    /// The expression without leaf `index`: the leaf's operation is replaced by the other
    /// operand, as when a card is forgotten. A lone number stays as it is.
    public func droppingLeaf(_ index: Int) -> ArithmeticExpression {
        guard case let .operation(op, left, right) = self else { return self }
        let leftLeaves = left.leafCount
        if index < leftLeaves {
            return left.leafCount == 1 ? right : .operation(op, left.droppingLeaf(index), right)
        }
        return right.leafCount == 1 ? left : .operation(op, left, right.droppingLeaf(index - leftLeaves))
    }
}
