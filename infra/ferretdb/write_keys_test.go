package main

import (
	"encoding/binary"
	"testing"
)

// A minimal BSON encoder for the tests: values are string, int32, bool,
// doc (ordered pairs) or arr.
type doc []any // key, value, key, value, ...
type arr []any
type oid [12]byte

func encode(d doc) []byte {
	var body []byte
	for i := 0; i < len(d); i += 2 {
		key, value := d[i].(string), d[i+1]
		kind, bytes := encodeValue(value)
		body = append(body, kind)
		body = append(body, key...)
		body = append(body, 0)
		body = append(body, bytes...)
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(body)+5))
	return append(append(out, body...), 0)
}

func encodeValue(v any) (byte, []byte) {
	switch v := v.(type) {
	case string:
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(v)+1))
		return bsonString, append(append(b, v...), 0)
	case int32:
		return bsonInt32, binary.LittleEndian.AppendUint32(nil, uint32(v))
	case float64:
		return bsonDouble, binary.LittleEndian.AppendUint64(nil, 0x4014000000000000)
	case bool:
		if v {
			return bsonBool, []byte{1}
		}
		return bsonBool, []byte{0}
	case oid:
		return bsonObjectID, v[:]
	case doc:
		return bsonDocument, encode(v)
	case arr:
		d := doc{}
		for i, item := range v {
			d = append(d, string(rune('0'+i)), item)
		}
		return bsonArray, encode(d)
	}
	panic("unsupported")
}

// opMsg builds an OP_MSG with a body and optional document sequences.
func wireMsg(body doc, sequences map[string][]doc) []byte {
	var sections []byte
	sections = append(sections, 0)
	sections = append(sections, encode(body)...)
	for id, docs := range sequences {
		var payload []byte
		payload = append(payload, id...)
		payload = append(payload, 0)
		for _, d := range docs {
			payload = append(payload, encode(d)...)
		}
		sections = append(sections, 1)
		sections = binary.LittleEndian.AppendUint32(sections, uint32(len(payload)+4))
		sections = append(sections, payload...)
	}
	header := make([]byte, 20)
	binary.LittleEndian.PutUint32(header[0:], uint32(20+len(sections)))
	binary.LittleEndian.PutUint32(header[12:], opMsg)
	return append(header, sections...)
}

func TestKeyedWrites(t *testing.T) {
	id := oid{1, 2, 3}
	cases := []struct {
		name       string
		message    []byte
		collection string
		keys       int // -1: collection-wide
	}{
		{"update by string _id with a version condition, statements in a sequence",
			wireMsg(doc{"update", "projects", "ordered", true, "$db", "lingban"}, map[string][]doc{
				"updates": {{"q", doc{"_id", "p1", "version", doc{"$lt", int32(3)}}, "u", doc{"$set", doc{"a", int32(1)}}, "upsert", true}},
			}), "lingban.projects", 1},
		{"update in the body array",
			wireMsg(doc{"update", "projects", "updates", arr{doc{"q", doc{"_id", "p1"}, "u", doc{}}}, "$db", "lingban"}, nil),
			"lingban.projects", 1},
		{"insert of two documents",
			wireMsg(doc{"insert", "events", "$db", "r"}, map[string][]doc{"documents": {{"_id", "a"}, {"_id", id}}}),
			"r.events", 2},
		{"findAndModify by _id", wireMsg(doc{"findAndModify", "leases", "query", doc{"_id", "relay"}, "$db", "x"}, nil), "x.leases", 1},
		{"update without _id", wireMsg(doc{"update", "leases", "$db", "x"}, map[string][]doc{
			"updates": {{"q", doc{"name", "relay"}, "u", doc{}}}}), "x.leases", -1},
		{"multi update", wireMsg(doc{"update", "p", "$db", "x"}, map[string][]doc{
			"updates": {{"q", doc{"_id", "a"}, "u", doc{}, "multi", true}}}), "x.p", -1},
		{"_id with an operator", wireMsg(doc{"update", "p", "$db", "x"}, map[string][]doc{
			"updates": {{"q", doc{"_id", doc{"$in", arr{"a", "b"}}}, "u", doc{}}}}), "x.p", -1},
		{"numeric _id", wireMsg(doc{"delete", "p", "$db", "x"}, map[string][]doc{
			"deletes": {{"q", doc{"_id", float64(5)}, "limit", int32(1)}}}), "x.p", -1},
		{"delete every match (limit 0)", wireMsg(doc{"delete", "p", "$db", "x"}, map[string][]doc{
			"deletes": {{"q", doc{"_id", "a"}, "limit", int32(0)}}}), "x.p", -1},
		{"one statement of two without _id", wireMsg(doc{"update", "p", "$db", "x"}, map[string][]doc{
			"updates": {{"q", doc{"_id", "a"}, "u", doc{}}, {"q", doc{"s", "b"}, "u", doc{}}}}), "x.p", -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !isWrite(c.message) {
				t.Fatalf("not seen as a write")
			}
			target, ok := targetOf(c.message)
			if !ok {
				t.Fatalf("target not read")
			}
			if target.collection != c.collection {
				t.Fatalf("collection %q, want %q", target.collection, c.collection)
			}
			if c.keys == -1 && target.keys != nil {
				t.Fatalf("keys %q, want collection-wide", target.keys)
			}
			if c.keys >= 0 && len(target.keys) != c.keys {
				t.Fatalf("%d keys, want %d", len(target.keys), c.keys)
			}
		})
	}
}

func TestSameDocumentSameKey(t *testing.T) {
	a, _ := targetOf(wireMsg(doc{"update", "p", "$db", "x"}, map[string][]doc{
		"updates": {{"q", doc{"_id", "a", "version", int32(2)}, "u", doc{}}}}))
	b, _ := targetOf(wireMsg(doc{"insert", "p", "documents", arr{doc{"x", int32(1), "_id", "a"}}, "$db", "x"}, nil))
	c, _ := targetOf(wireMsg(doc{"insert", "p", "documents", arr{doc{"_id", "b"}}, "$db", "x"}, nil))
	if a.keys[0] != b.keys[0] {
		t.Fatalf("an update and an insert of _id a got different keys")
	}
	if a.keys[0] == c.keys[0] {
		t.Fatalf("_id a and _id b got the same key")
	}
}

func TestMalformedIsNotKeyed(t *testing.T) {
	message := wireMsg(doc{"update", "p", "$db", "x"}, map[string][]doc{
		"updates": {{"q", doc{"_id", "a"}, "u", doc{}}}})
	for cut := 21; cut < len(message); cut += 3 {
		truncated := append([]byte(nil), message[:cut]...)
		if target, ok := targetOf(truncated); ok && target.keys != nil {
			t.Fatalf("truncated at %d still keyed: %+v", cut, target)
		}
	}
}
