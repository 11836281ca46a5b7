// Package record reads and writes rows (JSONL or Parquet) as ordered JSON
// objects that remember where they came from, so every error can say FILE:LINE
// and fields a tool does not know travel through unchanged.
package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Source is where a row came from: a file name and a 1-based line (JSONL) or
// row number (Parquet).
type Source struct {
	File string
	Line int64
}

func (s Source) String() string { return s.File + ":" + strconv.FormatInt(s.Line, 10) }

// Field is one key of a JSON object with its raw, valid JSON value.
type Field struct {
	Key   string
	Value json.RawMessage
}

// Record is one row: a JSON object whose key order and raw values are kept.
type Record struct {
	Fields []Field
	Source Source
	// Raw is the row's original bytes (the JSONL line without its newline),
	// or its JSON encoding when the row came from Parquet.
	Raw []byte
}

// Get returns the raw value of key.
func (r *Record) Get(key string) (json.RawMessage, bool) {
	for i := range r.Fields {
		if r.Fields[i].Key == key {
			return r.Fields[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether key is present.
func (r *Record) Has(key string) bool {
	_, ok := r.Get(key)
	return ok
}

// Set replaces key's value in place, or appends the key at the end.
func (r *Record) Set(key string, v json.RawMessage) {
	for i := range r.Fields {
		if r.Fields[i].Key == key {
			r.Fields[i].Value = v
			return
		}
	}
	r.Fields = append(r.Fields, Field{Key: key, Value: v})
}

// SetValue marshals v and sets it.
func (r *Record) SetValue(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("field %q: %w", key, err)
	}
	r.Set(key, b)
	return nil
}

// Delete removes key, keeping the order of the others.
func (r *Record) Delete(key string) {
	for i := range r.Fields {
		if r.Fields[i].Key == key {
			r.Fields = append(r.Fields[:i], r.Fields[i+1:]...)
			return
		}
	}
}

// Decode unmarshals key's value into v; a missing key leaves v untouched and
// returns false.
func (r *Record) Decode(key string, v any) (bool, error) {
	raw, ok := r.Get(key)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("field %q: %w", key, err)
	}
	return true, nil
}

// AppendJSON appends the record as one compact JSON object (no newline).
// Keys are written in order with their raw values as they are.
func (r *Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, f := range r.Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, f.Key)
		dst = append(dst, ':')
		dst = appendCompact(dst, f.Value)
	}
	return append(dst, '}')
}

// MarshalJSON implements json.Marshaler.
func (r *Record) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// Clone copies the field list (values are shared; they are never mutated in place).
func (r *Record) Clone() *Record {
	c := *r
	c.Fields = append([]Field(nil), r.Fields...)
	return &c
}

// appendCompact appends a raw value, removing insignificant whitespace only
// when there is any (the common case copies bytes as they are).
func appendCompact(dst []byte, v []byte) []byte {
	if !hasSpaceOutsideStrings(v) {
		return append(dst, v...)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return append(dst, v...)
	}
	return append(dst, b.Bytes()...)
}

func hasSpaceOutsideStrings(v []byte) bool {
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if in {
			if c == '\\' {
				i++
			} else if c == '"' {
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			return true
		}
	}
	return false
}
