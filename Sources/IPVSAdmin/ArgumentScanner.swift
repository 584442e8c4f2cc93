/// Walks argv the way ipvsadm's option library (popt) does, so that bundles such as
/// `-Ln`, attached values such as `-t10.0.0.1:80` or `--weight=3`, `-p` with or
/// without a value, `--` and stray words all mean what they mean to the reference.
struct ArgumentScanner {
    enum Failure: Equatable {
        case unknownOption
        case missingArgument
        case unwantedArgument

        /// popt's words for it.
        var message: String {
            switch self {
            case .unknownOption: return "unknown option"
            case .missingArgument: return "missing argument"
            case .unwantedArgument: return "option does not take an argument"
            }
        }
    }

    enum Event: Equatable {
        case option(Option, argument: String?)
        case failure(Failure)
        case end
    }

    private let arguments: [String]
    private var next = 0
    /// The rest of a bundle of short options still to be read, e.g. "n" after "-L" in "-Ln".
    private var pendingShort: Substring?
    private var restAreOperands = false
    /// Words that are not options, in order (popt's "leftovers").
    private(set) var operands: [String] = []

    /// `arguments` excludes the program name.
    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The argv word most recently consumed: what ipvsadm names in its messages.
    var lastWord: String { next > 0 ? arguments[next - 1] : "" }

    mutating func nextEvent() -> Event {
        while true {
            var option: Option?
            var attached: String?

            if pendingShort == nil {
                guard next < arguments.count else { return .end }
                let word = arguments[next]
                next += 1
                let utf8 = word.utf8
                if restAreOperands || utf8.first != UInt8(ascii: "-") || utf8.count == 1 {
                    operands.append(word)
                    continue
                }
                if utf8.count == 2 && utf8.last == UInt8(ascii: "-") {
                    restAreOperands = true
                    continue
                }
                var body = word.dropFirst()
                let doubleDash = body.hasPrefix("-")
                if doubleDash { body = body.dropFirst() }
                if doubleDash {
                    let name: Substring
                    if let equals = body.firstIndex(of: "=") {
                        name = body[..<equals]
                        attached = String(body[body.index(after: equals)...])
                    } else {
                        name = body
                    }
                    guard let named = optionsByLongName[name] else { return .failure(.unknownOption) }
                    option = named
                } else {
                    // No option of ipvsadm's is a one-dash long option: the word is a bundle of short ones.
                    pendingShort = body
                }
            }

            if let bundle = pendingShort {
                pendingShort = nil
                guard let letter = bundle.utf8.first, let lettered = optionsByShortName[letter] else {
                    return .failure(.unknownOption)
                }
                option = lettered
                let rest = bundle.dropFirst()
                if !rest.isEmpty { pendingShort = rest }
            }

            guard let option else { return .failure(.unknownOption) }
            switch option.argument {
            case .none:
                if attached != nil || pendingShort?.first == "=" { return .failure(.unwantedArgument) }
                return .option(option, argument: nil)
            case .required, .optional:
                if let attached { return .option(option, argument: attached) }
                if let rest = pendingShort {
                    pendingShort = nil
                    return .option(option, argument: String(rest.first == "=" ? rest.dropFirst() : rest))
                }
                guard next < arguments.count else {
                    return option.argument == .optional ? .option(option, argument: nil) : .failure(.missingArgument)
                }
                if option.argument == .optional && arguments[next].hasPrefix("-") {
                    return .option(option, argument: nil)
                }
                next += 1
                return .option(option, argument: arguments[next - 1])
            }
        }
    }
}
