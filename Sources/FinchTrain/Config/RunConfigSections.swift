import FinchData
/// `data:` — where examples come from and how they are cut.
public struct DataSection: ConfigSection {
    public var train = ""
    public var eval: String?
    public var maxLength = 512
    public var dropOverlong = false
    public var seed: UInt64 = 0
    public var chatTemplate = ChatTemplateChoice.auto
    public var kind = Kind.sft
    public var pack = false

    /// `data.kind`: examples with a prompt (loss on the answers), or plain text (loss on every token).
    public enum Kind: String, ConfigChoice {
        case sft, text
    }

    /// `data.chat_template`: a format, or `auto` (the tokenizer's own: `ChatFormat.detect`).
    public enum ChatTemplateChoice: String, ConfigChoice {
        case auto, finch, chatml, llama3, none
    }

    /// The format to render with; nil means detect it from the tokenizer.
    public var chatFormat: ChatFormat? { ChatFormat(rawValue: chatTemplate.rawValue) }

    public init() {}

    public static let keys: [ConfigKey<DataSection>] = [
        .value("train", \.train, .string, required: true, "Training data (JSONL): SFT examples, preference records (finch dpo, finch rm), or prompts for RL."),
        .value("eval", \.eval, .string, "Held-out data; absent means no evaluation."),
        .value("max_length", \.maxLength, .integer(atLeast: 1), "Tokens per example; longer ones are truncated (or dropped)."),
        .value("drop_overlong", \.dropOverlong, .boolean, "Skip over-long examples instead of truncating them."),
        .value("seed", \.seed, .unsignedInteger, "Seed of the sample (or prompt) order."),
        .choice("kind", \.kind, "What `finch sft` reads: `sft` (prompt/completion or chat records, loss on the answers) or `text` ({\"text\": …} records, loss on every token: pretraining)."),
        .value("pack", \.pack, .boolean, "With `kind: text`: concatenate the documents (eos between them) and cut rows of `max_length` tokens, so none is padding."),
        .choice("chat_template", \.chatTemplate, "Prompt/answer layout: `finch` (byte tokenizer), `chatml` (Qwen2), `llama3`, `none` (plain text), or `auto`: the tokenizer_config.json's template, else `finch` for Finch's tokenizer and `none`."),
    ]
}

/// `checkpoint:` — where and how often to save, and how many saves to keep.
public struct CheckpointSection: ConfigSection {
    public var dir = ""
    public var every = 0
    public var keepLast = 3


    public init() {}

    public static let keys: [ConfigKey<CheckpointSection>] = [
        .value("dir", \.dir, .string, required: true, "Root directory of the run's `step-*` checkpoints (and, by default, its metrics)."),
        .value("every", \.every, .integer(atLeast: 0), "Steps between saves; 0 saves only at the end."),
        .value("keep_last", \.keepLast, .integer(atLeast: 0), "Checkpoints kept; 0 keeps all."),
    ]
}

/// `logging:` — how often to report and where the JSONL metrics go.
public struct LoggingSection: ConfigSection {
    public var every = 10
    /// nil: `metrics.jsonl` beside the checkpoints, so one directory holds the whole run.
    public var metrics: String?
    public var tensorboard = false


    public init() {}

    public static let keys: [ConfigKey<LoggingSection>] = [
        .value("every", \.every, .integer(atLeast: 1), "Steps between log lines."),
        .value("metrics", \.metrics, .string, "JSONL metrics file (default: <checkpoint.dir>/metrics.jsonl)."),
        .value("tensorboard", \.tensorboard, .boolean, "Also write the metrics as TensorBoard scalars (an events.out.tfevents file beside metrics.jsonl)."),
    ]
}



