import Testing

@testable import IPVSAdmin

/// How -R splits standard input into command lines (ipvsadm's config_stream_read).
@Suite("RestoreInput")
struct RestoreInputTests {
    static func lines(_ text: String) -> [[String]] {
        RestoreInput.lines(Array(text.utf8))
    }

    @Test func oneCommandLinePerLine() {
        #expect(Self.lines("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2\n") == [
            ["-A", "-t", "10.0.0.1:80", "-s", "rr"], ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2"],
        ])
    }

    @Test func spacesTabsAndCarriageReturnsSeparateWords() {
        #expect(Self.lines("  -A\t-t \t 10.0.0.1:80\r\n") == [["-A", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-A\r-t\r10.0.0.1:80\r\r\n-C\r\n") == [["-A", "-t", "10.0.0.1:80"], ["-C"]])
    }

    @Test func blankLinesAreSkipped() {
        #expect(Self.lines("\n\n-C\n \t\r\n\n-Z\n\n") == [["-C"], ["-Z"]])
        #expect(Self.lines("") == [])
        #expect(Self.lines("\n") == [])
        #expect(Self.lines(" \t \r ") == [])
    }

    @Test func theWordIpvsadmIsDroppedWherever() {
        #expect(Self.lines("ipvsadm -A -t 10.0.0.1:80\n") == [["-A", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-A ipvsadm -t 10.0.0.1:80 ipvsadm\n") == [["-A", "-t", "10.0.0.1:80"]])
        // A line of nothing else is blank; other words that contain it are kept.
        #expect(Self.lines("ipvsadm\nipvsadm ipvsadm\n-C\n") == [["-C"]])
        #expect(Self.lines("/sbin/ipvsadm -C ipvsadm2 IPVSADM\n") == [["/sbin/ipvsadm", "-C", "ipvsadm2", "IPVSADM"]])
    }

    @Test func theLastLineNeedsNoNewline() {
        #expect(Self.lines("-C\n-Z") == [["-C"], ["-Z"]])
        #expect(Self.lines("-Z -t 10.0.0.1:80") == [["-Z", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-C\n-Z ") == [["-C"], ["-Z"]])
    }

    @Test func commentsAreNotRecognised() {
        // ipvsadm's reader means to skip "#" comments but never does: they are words.
        #expect(Self.lines("# comment\n-C # too\n") == [["#", "comment"], ["-C", "#", "too"]])
    }

    @Test func otherBytesAreKeptAsTheyAre() {
        #expect(Self.lines("-s\u{0B}rr\u{0C}x\n") == [["-s\u{0B}rr\u{0C}x"]])
        #expect(Self.lines("--pe=ü\n") == [["--pe=ü"]])
    }

    /// ipvsadm reads the line's words with fscanf and, meeting the end of input while
    /// skipping the blanks after a word's one delimiter, drops the whole line: a last line
    /// with no newline that ends in two or more blanks is not run.
    @Test func aLastLineEndingInSeveralBlanksWithoutNewlineIsDropped() {
        #expect(Self.lines("-C\n-A -t 10.0.0.2:80 \t") == [["-C"]])
        #expect(Self.lines("-C\n-Z\r\r") == [["-C"]])
        // One blank after the last word is consumed with it: the line is kept.
        #expect(Self.lines("-C\n-Z\r") == [["-C"], ["-Z"]])
    }
}
