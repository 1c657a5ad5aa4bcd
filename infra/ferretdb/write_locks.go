package main

// Locks for the write serializer: one reader/writer lock per collection and
// one mutex per document key. A keyed write holds its collection's lock
// shared and its documents' mutexes (in sorted order, so two writes naming
// the same documents cannot deadlock); a collection-wide write holds the
// collection's lock exclusively. Writes to different documents therefore run
// side by side, as they do on MongoDB, while writes to one document still
// follow each other — which is all single-document atomicity needs.

import (
	"sort"
	"sync"
)

type refMutex struct {
	sync.Mutex
	users int
}

type refRWMutex struct {
	sync.RWMutex
	users int
}

type writeLocks struct {
	server      sync.RWMutex // held exclusively by a write we cannot read
	mu          sync.Mutex   // guards the two maps, never held while waiting
	collections map[string]*refRWMutex
	documents   map[string]*refMutex
}

func newWriteLocks() *writeLocks {
	return &writeLocks{collections: map[string]*refRWMutex{}, documents: map[string]*refMutex{}}
}

// lock blocks until the target may be written and returns the unlock function.
func (l *writeLocks) lock(target writeTarget) func() {
	l.mu.Lock()
	coll := l.collections[target.collection]
	if coll == nil {
		coll = &refRWMutex{}
		l.collections[target.collection] = coll
	}
	coll.users++
	keys := append([]string(nil), target.keys...)
	sort.Strings(keys)
	docs := make([]*refMutex, len(keys))
	for i, key := range keys {
		full := target.collection + "\x00" + key
		doc := l.documents[full]
		if doc == nil {
			doc = &refMutex{}
			l.documents[full] = doc
		}
		doc.users++
		docs[i] = doc
		keys[i] = full
	}
	l.mu.Unlock()

	l.server.RLock()
	if len(docs) == 0 {
		coll.Lock()
	} else {
		coll.RLock()
		for _, doc := range docs {
			doc.Lock()
		}
	}
	return func() {
		if len(docs) == 0 {
			coll.Unlock()
		} else {
			for i := len(docs) - 1; i >= 0; i-- {
				docs[i].Unlock()
			}
			coll.RUnlock()
		}
		l.server.RUnlock()
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, doc := range docs {
			if doc.users--; doc.users == 0 {
				delete(l.documents, keys[i])
			}
		}
		if coll.users--; coll.users == 0 {
			delete(l.collections, target.collection)
		}
	}
}

// lockServer holds back every other write: for a write whose target we
// cannot read (never sent by our services; kept safe rather than fast).
func (l *writeLocks) lockServer() func() {
	l.server.Lock()
	return l.server.Unlock
}
