/// A stretch of text on its way through a Hugging Face tokenizer, as Unicode scalars (the
/// `char`s tokenizers works on), sliced out of the input without copying until a stage
/// rewrites it.
struct TextPiece {
    var scalars: ArraySlice<Unicode.Scalar>
    /// Whether the piece begins the input text: Metaspace's `prepend_scheme: "first"` adds its
    /// "▁" only there (tokenizers checks that the piece's original offset is 0).
    var startsInput: Bool

    /// The part `range` of this piece; it begins the input only if it begins this piece.
    func slice(_ range: Range<Int>) -> TextPiece {
        TextPiece(scalars: scalars[range], startsInput: startsInput && range.lowerBound == scalars.startIndex)
    }

    /// This piece with its scalars rewritten (by a normalizer or pre-tokenizer).
    func replacing(_ scalars: ArraySlice<Unicode.Scalar>) -> TextPiece {
        TextPiece(scalars: scalars, startsInput: startsInput)
    }
}

extension String {
    init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }
}
