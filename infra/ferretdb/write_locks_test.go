package main

import (
	"testing"
	"time"
)

// held reports whether taking target blocks while release is outstanding.
func blocks(l *writeLocks, first, second writeTarget) bool {
	release := l.lock(first)
	done := make(chan struct{})
	go func() {
		l.lock(second)()
		close(done)
	}()
	select {
	case <-done:
		release()
		return false
	case <-time.After(50 * time.Millisecond):
		release()
		<-done // and it gets the lock once the first is released
		return true
	}
}

func TestWriteLocks(t *testing.T) {
	doc := func(keys ...string) writeTarget { return writeTarget{collection: "db.c", keys: keys} }
	whole := writeTarget{collection: "db.c"}
	cases := []struct {
		name          string
		first, second writeTarget
		wantBlock     bool
	}{
		{"different documents run side by side", doc("a"), doc("b"), false},
		{"the same document waits", doc("a"), doc("a"), true},
		{"overlapping documents wait", doc("a", "b"), doc("c", "b"), true},
		{"a collection-wide write waits for a document write", doc("a"), whole, true},
		{"a document write waits for a collection-wide write", whole, doc("a"), true},
		{"other collections are not held", whole, writeTarget{collection: "db.d"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newWriteLocks()
			if got := blocks(l, c.first, c.second); got != c.wantBlock {
				t.Fatalf("blocked=%v, want %v", got, c.wantBlock)
			}
			if len(l.documents) != 0 || len(l.collections) != 0 {
				t.Fatalf("locks left behind: %d documents, %d collections", len(l.documents), len(l.collections))
			}
		})
	}
}
