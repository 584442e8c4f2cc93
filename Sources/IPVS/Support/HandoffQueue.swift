/// What the two ends of a handoff queue share.
package struct HandoffState<Element: Sendable>: Sendable {
    var batches: [[Element]] = []
    let capacity: Int
    var finished = false
    var stopped = false
}

/// The maker's end of a `HandoffReceiver`'s queue.
package final class HandoffSender<Element: Sendable>: Sendable {
    private let shared: Monitor<HandoffState<Element>>

    fileprivate init(_ shared: Monitor<HandoffState<Element>>) { self.shared = shared }

    /// Queues a batch, first waiting while the queue is full. Returns false if the user
    /// has stopped the queue (the batch is dropped; making more is pointless).
    @discardableResult
    package func put(_ batch: [Element]) -> Bool {
        shared.wait { state -> Bool? in
            if state.stopped { return false }
            guard state.batches.count < state.capacity else { return nil }
            state.batches.append(batch)
            return true
        }
    }

    /// There will be no more batches.
    package func finish() {
        shared.update { $0.finished = true }
    }

    /// Whether the user has stopped the queue; a maker checks it between batches.
    package var isStopped: Bool { shared.read { $0.stopped } }
}

/// Batches of work handed from a thread that makes them to the one thread that uses
/// them, through a bounded queue. The receiver makes the queue and hands out its sender,
/// which can go to other threads; the receiver is not copyable, so the queue has one
/// user by construction. Either side that must wait (the maker for room, the user for a
/// batch) sleeps on a condition variable: a waiting thread costs no CPU time, which on a
/// small machine the other one needs.
///
/// This is the user's end. When it goes away the queue is stopped, so that a maker waiting for
/// room is let go, whatever path the user took.
package struct HandoffReceiver<Element: Sendable>: ~Copyable {
    private let shared: Monitor<HandoffState<Element>>
    /// The maker's end of this queue.
    package let sender: HandoffSender<Element>

    /// A queue that holds up to `capacity` batches before `put` waits.
    package init(capacity: Int) {
        shared = Monitor(HandoffState<Element>(capacity: capacity))
        sender = HandoffSender(shared)
    }

    /// Every batch queued, in order, waiting while there is none; nil once the maker has
    /// finished and all has been taken.
    package func take() -> [[Element]]? {
        shared.wait { state -> [[Element]]?? in
            if !state.batches.isEmpty {
                defer { state.batches.removeAll() }
                return .some(state.batches)
            }
            return state.finished ? .some(nil) : nil
        }
    }

    /// Every batch queued so far, in order, without waiting (none if there is none yet).
    package func takeReady() -> [[Element]] {
        shared.update { state in
            defer { state.batches.removeAll() }
            return state.batches
        }
    }

    /// Wants no more; a maker waiting for room is let go.
    package func stop() {
        shared.update { $0.stopped = true }
    }

    deinit { shared.update { $0.stopped = true } }
}
