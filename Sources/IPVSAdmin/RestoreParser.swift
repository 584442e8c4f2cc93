import IPVS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `-R` reads its lines from.
public enum RestoreSource: Sendable {
    /// Read as it goes, in blocks (standard input).
    case descriptor(Int32)
    /// All of it, given.
    case bytes([UInt8])
}

/// One restore line, read.
enum ParsedLine: Sendable {
    case command(AdminCommand)
    case refused(CommandLineError)
}

/// Reads restore input on a thread of its own while the caller sends what is already
/// read: the kernel's work on one batch then overlaps the reading of the next, so a
/// large restore costs little more than the kernel's time. Lines come out in input
/// order; reading is free of side effects, so reading ahead of a line that ends the
/// restore changes nothing.
final class RestoreParser: Sendable {
    private let source: RestoreSource
    /// Lines handed over at a time: one lock per chunk, not per line.
    private static let chunkSize = 256
    /// Chunks read ahead before the reader waits, bounding the memory held.
    private static let chunksAhead = 8

    init(_ source: RestoreSource) {
        self.source = source
    }

    /// Starts reading, on a thread of its own unless `threaded` is false or no thread
    /// can be had; the lines come out of what it returns, in order. When that goes away,
    /// early or not, the reading thread is stopped (even in a read of a terminal) and
    /// joined.
    func start(threaded: Bool = true) -> Lines {
        if threaded, let cancellation = ReadCancellation() {
            let receiver = HandoffReceiver<ParsedLine>(capacity: Self.chunksAhead)
            let sender = receiver.sender
            if let thread = ThreadHandle.start({
                self.readAll(cancellation: cancellation) { sender.put($0) }
                sender.finish()
            }) {
                return Lines(reading: Reading(lines: receiver, cancellation: cancellation, thread: thread))
            }
        }
        var chunks: [[ParsedLine]] = []
        readAll(cancellation: nil) { chunks.append($0); return true }
        return Lines(reading: nil, chunks: chunks)
    }

    /// Reads all of the input, handing over the lines a chunk at a time.
    /// `deliver` returns false when no more lines are wanted; reading then stops.
    private func readAll(cancellation: ReadCancellation?, _ deliver: ([ParsedLine]) -> Bool) {
        var chunk: [ParsedLine] = []
        chunk.reserveCapacity(Self.chunkSize)
        var wanted = true
        func parse(_ input: [UInt8]) {
            var reader = RestoreInput(input)
            while wanted && reader.nextLine() {
                if let command = reader.canonicalCommand() {
                    chunk.append(.command(command))
                } else {
                    do {
                        chunk.append(.command(try CommandLineParser.parse(reader.strings, inputLine: true)))
                    } catch {
                        chunk.append(.refused(error))
                    }
                }
                if chunk.count == Self.chunkSize {
                    wanted = deliver(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
        }
        switch source {
        case .bytes(let input):
            parse(input)
        case .descriptor(let descriptor):
            // Whole lines are parsed as each block arrives: the first requests can go to
            // the kernel before the input has been read to its end, and a large input is
            // never held whole.
            LineBlocks.read(descriptor, stopping: { !wanted }, cancellation: cancellation) { lines, _ in
                if !lines.isEmpty { parse(Array(lines)) }  // the last may lack its newline
            }
        }
        if wanted && !chunk.isEmpty { _ = deliver(chunk) }
    }

    /// The reading thread and what it hands over.
    struct Reading: ~Copyable {
        let lines: HandoffReceiver<ParsedLine>
        let cancellation: ReadCancellation
        let thread: ThreadHandle

        // A reader waiting for room, or for input that may never come, is let go before
        // the thread is joined (the members go after this body has run).
        deinit {
            lines.stop()
            cancellation.cancel()
        }
    }

    /// The lines read so far and those still to come, in input order.
    struct Lines: ~Copyable {
        private let reading: Reading?
        private var current: [ParsedLine] = []
        private var index = 0
        private var pending: [[ParsedLine]]

        fileprivate init(reading: consuming Reading?, chunks: [[ParsedLine]] = []) {
            self.reading = reading
            pending = chunks
        }

        /// The next line; nil at the end of the input. Waits while the reader is behind.
        mutating func next() -> ParsedLine? {
            while index == current.count {
                if !pending.isEmpty {
                    current = pending.removeFirst()
                    index = 0
                    continue
                }
                let taken: [[ParsedLine]]?
                switch reading {
                case .some(let reading): taken = reading.lines.take()
                case .none: taken = nil
                }
                guard let taken else { return nil }
                pending = taken
            }
            index += 1
            return current[index - 1]
        }
    }
}
