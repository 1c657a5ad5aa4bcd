package main

// FerretDB v1 runs an update as a query followed by a separate write, with no
// transaction around them, so two concurrent writes to one document can lose
// each other's changes (two clients doing 200 `$inc`s each end far below 400).
// MongoDB guarantees that a single-document write is atomic, and Lingban's
// outbox, leases and version checks depend on it. This proxy restores the
// guarantee for development and tests: it forwards the wire protocol
// unchanged to FerretDB on a private socket, and lets only one write command
// (insert, update, delete, findAndModify) per document be in flight at a time
// (write_keys.go, write_locks.go); a write it cannot pin to documents holds
// its whole collection. With `perDocument` false (the SQLite backend, which
// has one writer anyway) one write in the whole server at a time. Reads stay
// concurrent. Production runs on real MongoDB and does not need this.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
)

const (
	opMsg          = 2013
	flagMoreToCome = 1 << 1
	maxMessageSize = 48 * 1024 * 1024
)

var writeCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findAndModify": true, "findandmodify": true,
}

type writeSerializer struct {
	backendSocket string
	logger        *slog.Logger
	perDocument   bool
	writes        sync.Mutex  // the one lock when !perDocument
	locks         *writeLocks // per collection and document when perDocument
}

func (s *writeSerializer) serve(ctx context.Context, listener net.Listener) error {
	go func() {
		<-ctx.Done()
		listener.Close()
	}()
	for {
		client, err := listener.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go s.relay(client)
	}
}

func (s *writeSerializer) relay(client net.Conn) {
	defer client.Close()
	backend, err := net.Dial("unix", s.backendSocket)
	if err != nil {
		s.logger.Error("cannot reach FerretDB", "error", err)
		return
	}
	defer backend.Close()
	for {
		request, err := readMessage(client)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.logger.Debug("client connection ended", "error", err)
			}
			return
		}
		if err := s.exchange(request, client, backend); err != nil {
			s.logger.Debug("backend exchange failed", "error", err)
			return
		}
	}
}

// exchange forwards one request and every reply to it, holding the write lock
// for write commands until FerretDB has answered.
func (s *writeSerializer) exchange(request []byte, client, backend net.Conn) error {
	if isWrite(request) {
		defer s.lockFor(request)()
	}
	if _, err := backend.Write(request); err != nil {
		return err
	}
	if moreToCome(request) {
		return nil // fire-and-forget: FerretDB sends no reply
	}
	for {
		reply, err := readMessage(backend)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !moreToCome(reply) {
			return nil
		}
	}
}

// lockFor takes the lock a write needs and returns its release.
func (s *writeSerializer) lockFor(request []byte) func() {
	if !s.perDocument {
		s.writes.Lock()
		return s.writes.Unlock
	}
	target, ok := targetOf(request)
	if !ok {
		s.logger.Warn("write command not understood; serialized server-wide")
		return s.locks.lockServer()
	}
	return s.locks.lock(target)
}

func readMessage(conn io.Reader) ([]byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		return nil, err
	}
	size := int(int32(binary.LittleEndian.Uint32(header[:])))
	if size < 16 || size > maxMessageSize {
		return nil, fmt.Errorf("bad message length %d", size)
	}
	message := make([]byte, size)
	copy(message, header[:])
	if _, err := io.ReadFull(conn, message[4:]); err != nil {
		return nil, err
	}
	return message, nil
}

func opCode(message []byte) int32 {
	return int32(binary.LittleEndian.Uint32(message[12:16]))
}

func moreToCome(message []byte) bool {
	return opCode(message) == opMsg && len(message) >= 20 &&
		binary.LittleEndian.Uint32(message[16:20])&flagMoreToCome != 0
}

// isWrite reads the command name: the first key of the OP_MSG body section.
func isWrite(message []byte) bool {
	if opCode(message) != opMsg || len(message) < 27 || message[20] != 0 {
		return false
	}
	body := message[21:]
	// body: int32 document length, element type byte, then the key as a C string.
	for end := 5; end < len(body); end++ {
		if body[end] == 0 {
			return writeCommands[string(body[5:end])]
		}
	}
	return false
}
