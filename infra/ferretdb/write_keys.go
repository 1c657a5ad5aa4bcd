package main

// Which documents a write command can touch, read from its OP_MSG bytes, so
// the serializer can let writes to different documents run side by side and
// hold back only writes to the same document (or to a whole collection).
//
// A write is "keyed" when every statement names exactly one document by a
// string or ObjectId `_id` (`{_id: "p1", version: {$lt: 3}}` counts: the
// other conditions only narrow it). Anything else — a filter without `_id`,
// `_id` with an operator, `multi: true`, a numeric `_id` (5 and 5.0 are the
// same document but different bytes) — is a collection-wide write. Only the
// raw bytes of the `_id` value are compared, so the key needs no BSON library.

import (
	"encoding/binary"
	"errors"
)

const (
	bsonDouble     = 0x01
	bsonString     = 0x02
	bsonDocument   = 0x03
	bsonArray      = 0x04
	bsonBinary     = 0x05
	bsonUndefined  = 0x06
	bsonObjectID   = 0x07
	bsonBool       = 0x08
	bsonDateTime   = 0x09
	bsonNull       = 0x0A
	bsonRegex      = 0x0B
	bsonDBPointer  = 0x0C
	bsonJSCode     = 0x0D
	bsonSymbol     = 0x0E
	bsonCodeScope  = 0x0F
	bsonInt32      = 0x10
	bsonTimestamp  = 0x11
	bsonInt64      = 0x12
	bsonDecimal128 = 0x13
	bsonMinKey     = 0xFF
	bsonMaxKey     = 0x7F
)

var errBadBSON = errors.New("malformed BSON")

// element is one key/value of a BSON document; value holds the value's bytes.
type element struct {
	kind  byte
	key   string
	value []byte
}

// elements splits a BSON document into its top-level elements.
func elements(doc []byte) ([]element, error) {
	if len(doc) < 5 {
		return nil, errBadBSON
	}
	size := int(int32(binary.LittleEndian.Uint32(doc)))
	if size < 5 || size > len(doc) {
		return nil, errBadBSON
	}
	var out []element
	pos := 4
	for pos < size-1 {
		kind := doc[pos]
		pos++
		end := pos
		for end < size && doc[end] != 0 {
			end++
		}
		if end >= size {
			return nil, errBadBSON
		}
		key := string(doc[pos:end])
		pos = end + 1
		n, err := valueSize(kind, doc[pos:size])
		if err != nil {
			return nil, err
		}
		out = append(out, element{kind: kind, key: key, value: doc[pos : pos+n]})
		pos += n
	}
	return out, nil
}

// valueSize is the byte length of a value of type kind at the start of b.
func valueSize(kind byte, b []byte) (int, error) {
	fixed := map[byte]int{
		bsonDouble: 8, bsonObjectID: 12, bsonBool: 1, bsonDateTime: 8, bsonInt32: 4,
		bsonTimestamp: 8, bsonInt64: 8, bsonDecimal128: 16, bsonUndefined: 0, bsonNull: 0,
		bsonMinKey: 0, bsonMaxKey: 0,
	}
	need := func(n int) (int, error) {
		if n < 0 || n > len(b) {
			return 0, errBadBSON
		}
		return n, nil
	}
	if n, ok := fixed[kind]; ok {
		return need(n)
	}
	length := func() (int, error) {
		if len(b) < 4 {
			return 0, errBadBSON
		}
		return int(int32(binary.LittleEndian.Uint32(b))), nil
	}
	switch kind {
	case bsonString, bsonJSCode, bsonSymbol:
		n, err := length()
		if err != nil {
			return 0, err
		}
		return need(4 + n)
	case bsonDocument, bsonArray, bsonCodeScope:
		n, err := length()
		if err != nil {
			return 0, err
		}
		return need(n)
	case bsonBinary:
		n, err := length()
		if err != nil {
			return 0, err
		}
		return need(5 + n)
	case bsonDBPointer:
		n, err := length()
		if err != nil {
			return 0, err
		}
		return need(4 + n + 12)
	case bsonRegex:
		zeros, i := 0, 0
		for ; i < len(b) && zeros < 2; i++ {
			if b[i] == 0 {
				zeros++
			}
		}
		if zeros < 2 {
			return 0, errBadBSON
		}
		return i, nil
	}
	return 0, errBadBSON
}

func lookup(elems []element, key string) (element, bool) {
	for _, e := range elems {
		if e.key == key {
			return e, true
		}
	}
	return element{}, false
}

// idKey is the lock key of a filter or document naming one document by a
// string or ObjectId `_id`; ok is false when it names no single document.
func idKey(doc []byte) (key string, ok bool) {
	elems, err := elements(doc)
	if err != nil {
		return "", false
	}
	id, found := lookup(elems, "_id")
	if !found || (id.kind != bsonString && id.kind != bsonObjectID) {
		return "", false
	}
	return string([]byte{id.kind}) + string(id.value), true
}

// isTrue reports whether the element is a true boolean or non-zero number.
func isTrue(e element) bool {
	switch e.kind {
	case bsonBool:
		return e.value[0] != 0
	case bsonInt32:
		return binary.LittleEndian.Uint32(e.value) != 0
	case bsonInt64, bsonDouble:
		return binary.LittleEndian.Uint64(e.value) != 0
	}
	return false
}

// writeTarget is what a write command touches: its collection and, when
// every statement names one document, those documents' keys.
type writeTarget struct {
	collection string   // "db.collection"
	keys       []string // nil: the whole collection
}

// statementKey is the key of one statement of a write command's array field.
func statementKey(command string, stmt []byte) (string, bool) {
	switch command {
	case "insert":
		return idKey(stmt)
	case "update", "delete":
		elems, err := elements(stmt)
		if err != nil {
			return "", false
		}
		if multi, ok := lookup(elems, "multi"); ok && isTrue(multi) {
			return "", false
		}
		if command == "delete" {
			if limit, ok := lookup(elems, "limit"); !ok || !isTrue(limit) {
				return "", false // limit 0 deletes every match
			}
		}
		q, ok := lookup(elems, "q")
		if !ok || q.kind != bsonDocument {
			return "", false
		}
		return idKey(q.value)
	}
	return "", false
}

// statementField is where a write command keeps its statements.
var statementField = map[string]string{"insert": "documents", "update": "updates", "delete": "deletes"}

// targetOf reads a write command's target from an OP_MSG: the body section
// (kind 0) and any document sequences (kind 1) that carry the statements.
func targetOf(message []byte) (writeTarget, bool) {
	if opCode(message) != opMsg || len(message) < 21 {
		return writeTarget{}, false
	}
	flags := binary.LittleEndian.Uint32(message[16:20])
	end := len(message)
	if flags&1 != 0 { // checksumPresent: a CRC-32C trails the sections
		end -= 4
	}
	var body []element
	sequences := map[string][][]byte{}
	for pos := 20; pos < end; {
		kind := message[pos]
		pos++
		switch kind {
		case 0:
			n, err := valueSize(bsonDocument, message[pos:end])
			if err != nil {
				return writeTarget{}, false
			}
			if body, err = elements(message[pos : pos+n]); err != nil {
				return writeTarget{}, false
			}
			pos += n
		case 1:
			if pos+4 > end {
				return writeTarget{}, false
			}
			size := int(int32(binary.LittleEndian.Uint32(message[pos:])))
			if size < 5 || pos+size > end {
				return writeTarget{}, false
			}
			section := message[pos : pos+size]
			i := 4
			for i < len(section) && section[i] != 0 {
				i++
			}
			if i >= len(section) {
				return writeTarget{}, false
			}
			id := string(section[4:i])
			for i++; i < len(section); {
				n, err := valueSize(bsonDocument, section[i:])
				if err != nil {
					return writeTarget{}, false
				}
				sequences[id] = append(sequences[id], section[i:i+n])
				i += n
			}
			pos += size
		default:
			return writeTarget{}, false
		}
	}
	if len(body) == 0 {
		return writeTarget{}, false
	}
	command, db := body[0], ""
	if e, ok := lookup(body, "$db"); ok && e.kind == bsonString {
		db = string(e.value[4 : len(e.value)-1])
	}
	if command.kind != bsonString {
		return writeTarget{}, false
	}
	target := writeTarget{collection: db + "." + string(command.value[4:len(command.value)-1])}

	var statements [][]byte
	if command.key == "findAndModify" || command.key == "findandmodify" {
		if q, ok := lookup(body, "query"); ok && q.kind == bsonDocument {
			statements = [][]byte{q.value}
		}
		if key, ok := idKeyOf(statements); ok {
			target.keys = []string{key}
		}
		return target, true
	}
	field := statementField[command.key]
	if e, ok := lookup(body, field); ok && e.kind == bsonArray {
		items, err := elements(e.value)
		if err != nil {
			return target, true
		}
		for _, item := range items {
			if item.kind != bsonDocument {
				return target, true
			}
			statements = append(statements, item.value)
		}
	}
	statements = append(statements, sequences[field]...)
	if len(statements) == 0 {
		return target, true
	}
	seen := map[string]bool{}
	for _, stmt := range statements {
		key, ok := statementKey(command.key, stmt)
		if !ok {
			return writeTarget{collection: target.collection}, true
		}
		if !seen[key] {
			seen[key] = true
			target.keys = append(target.keys, key)
		}
	}
	return target, true
}

func idKeyOf(filters [][]byte) (string, bool) {
	if len(filters) != 1 {
		return "", false
	}
	return idKey(filters[0])
}
