import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Batches of work handed from one thread that makes them to one that uses them. Either
/// side that has to wait (the maker for room, the user for a batch) sleeps in a read of
/// a pipe that the other side writes to when it has made the wait over: no polling, so
/// a waiting thread costs no CPU time, which on a small machine the other one needs.
public final class HandoffQueue<Element: Sendable>: Sendable {
    private let state: Mutex<State>
    /// Written to wake the maker, once it has said it waits for room.
    private let roomPipe: (read: Int32, write: Int32)
    /// Written to wake the user, once it has said it waits for a batch.
    private let batchPipe: (read: Int32, write: Int32)

    private struct State: Sendable {
        var batches: [[Element]] = []
        let capacity: Int
        var finished = false
        var stopped = false
        var makerWaits = false
        var userWaits = false
    }

    /// `capacity`: how many batches may wait before `put` does. nil if no pipe can be had.
    public init?(capacity: Int) {
        guard let room = Self.makePipe() else { return nil }
        guard let batch = Self.makePipe() else {
            close(room.read)
            close(room.write)
            return nil
        }
        state = Mutex(State(capacity: capacity))
        roomPipe = room
        batchPipe = batch
    }

    deinit {
        for descriptor in [roomPipe.read, roomPipe.write, batchPipe.read, batchPipe.write] { close(descriptor) }
    }

    private static func makePipe() -> (read: Int32, write: Int32)? {
        var ends: (Int32, Int32) = (-1, -1)
        let status = withUnsafeMutableBytes(of: &ends) { pipe($0.baseAddress!.assumingMemoryBound(to: Int32.self)) }
        guard status == 0 else { return nil }
        _ = fcntl(ends.0, F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends.1, F_SETFD, FD_CLOEXEC)
        return (ends.0, ends.1)
    }

    private static func wake(_ pipe: (read: Int32, write: Int32)) {
        var byte: UInt8 = 1
        while write(pipe.write, &byte, 1) < 0 && errno == EINTR {}
    }

    private static func sleep(on pipe: (read: Int32, write: Int32)) {
        var byte: UInt8 = 0
        while read(pipe.read, &byte, 1) < 0 && errno == EINTR {}
    }

    /// The maker: queues a batch, first waiting while the queue is full. Returns false if
    /// the user has stopped the queue (the batch is dropped; making more is pointless).
    @discardableResult
    public func put(_ batch: [Element]) -> Bool {
        while true {
            let (queued, stopped, wakeUser) = state.withLock { state -> (Bool, Bool, Bool) in
                if state.stopped { return (false, true, false) }
                guard state.batches.count >= state.capacity else {
                    state.batches.append(batch)
                    defer { state.userWaits = false }
                    return (true, false, state.userWaits)
                }
                state.makerWaits = true
                return (false, false, false)
            }
            if wakeUser { Self.wake(batchPipe) }
            if queued || stopped { return queued }
            Self.sleep(on: roomPipe)
        }
    }

    /// The maker: there will be no more batches.
    public func finish() {
        let wakeUser = state.withLock { state -> Bool in
            state.finished = true
            defer { state.userWaits = false }
            return state.userWaits
        }
        if wakeUser { Self.wake(batchPipe) }
    }

    /// Whether the user has stopped the queue; a maker checks it between batches.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// The user: every batch queued, in order, waiting while there is none; nil once the
    /// maker has finished and all has been taken.
    public func take() -> [[Element]]? {
        while true {
            let (batches, finished, wakeMaker) = state.withLock { state -> ([[Element]], Bool, Bool) in
                let batches = state.batches
                state.batches.removeAll()
                let wakeMaker = state.makerWaits && !batches.isEmpty
                if wakeMaker { state.makerWaits = false }
                if batches.isEmpty && !state.finished { state.userWaits = true }
                return (batches, state.finished, wakeMaker)
            }
            if wakeMaker { Self.wake(roomPipe) }
            if !batches.isEmpty { return batches }
            if finished { return nil }
            Self.sleep(on: batchPipe)
        }
    }

    /// The user: wants no more; a maker waiting for room is let go.
    public func stop() {
        let wakeMaker = state.withLock { state -> Bool in
            state.stopped = true
            defer { state.makerWaits = false }
            return state.makerWaits
        }
        if wakeMaker { Self.wake(roomPipe) }
    }
}
