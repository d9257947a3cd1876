package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits of an event.
const (
	MaxDataEntries = 32
	MaxFieldBytes  = 1024
	// PageSize is how many events Verify reads at a time.
	PageSize = 500
)

// Event is one audit event.
type Event struct {
	Seq     int64
	Time    time.Time
	Type    string
	Subject string
	Actor   string
	// Data describes the change with identifiers only: claim names,
	// sources, evidence hashes, offer IDs. It never carries a personal
	// value (a name, a date of birth, an address, a token): the log is
	// kept for ever and is not encrypted. The package cannot tell a value
	// from an identifier; its callers must keep to this.
	Data map[string]string
	// Prev is the previous event's Hash (32 zero bytes for the first).
	Prev []byte
	Hash []byte
}

// ErrBroken is wrapped by Verify when the chain does not hold.
var ErrBroken = errors.New("audit: chain broken")

// Store appends and reads events. AppendAudit must serialise appenders
// (across instances sharing the database): it reads the last event and
// inserts the ones build returns, in order, in one transaction under a
// lock.
type Store interface {
	AppendAudit(ctx context.Context, build func(last *Event) ([]Event, error)) ([]Event, error)
	// AuditEvents returns up to limit events with Seq > after, in order.
	AuditEvents(ctx context.Context, after int64, limit int) ([]Event, error)
}

// Log appends to and verifies the chain.
type Log struct {
	st  Store
	now func() time.Time
}

// New returns a Log over st with the clock now.
func New(st Store, now func() time.Time) *Log {
	return &Log{st: st, now: now}
}

// genesis is the Prev of the first event.
var genesis = make([]byte, sha256.Size)

// Append fills e's Seq, Time, Prev and Hash and stores it.
func (l *Log) Append(ctx context.Context, e Event) (Event, error) {
	out, err := l.AppendAll(ctx, []Event{e})
	if err != nil {
		return Event{}, err
	}
	return out[0], nil
}

// AppendAll appends events in order in one transaction: a change that
// makes several events costs one commit.
func (l *Log) AppendAll(ctx context.Context, events []Event) ([]Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	for _, e := range events {
		if err := check(e); err != nil {
			return nil, err
		}
	}
	// Postgres keeps microseconds: hash what is stored.
	t := l.now().UTC().Truncate(time.Microsecond)
	return l.st.AppendAudit(ctx, func(last *Event) ([]Event, error) {
		seq, prev := int64(0), genesis
		if last != nil {
			seq, prev = last.Seq, last.Hash
		}
		out := make([]Event, len(events))
		for i, e := range events {
			e.Data = maps(e.Data)
			e.Time = t
			seq++
			e.Seq, e.Prev = seq, prev
			e.Hash = Hash(e)
			out[i], prev = e, e.Hash
		}
		return out, nil
	})
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func check(e Event) error {
	if e.Type == "" {
		return errors.New("audit: event type is required")
	}
	if len(e.Data) > MaxDataEntries {
		return fmt.Errorf("audit: %d data entries, at most %d", len(e.Data), MaxDataEntries)
	}
	for _, f := range append([]string{e.Type, e.Subject, e.Actor}, flatten(e.Data)...) {
		if len(f) > MaxFieldBytes {
			return fmt.Errorf("audit: a field over %d bytes", MaxFieldBytes)
		}
	}
	return nil
}

func flatten(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

// Hash is SHA-256 over an unambiguous encoding of the event: a domain
// label, the sequence number, the time in microseconds, each string with
// its length, the data sorted by key, and the previous hash.
func Hash(e Event) []byte {
	var b bytes.Buffer
	b.WriteString("pramaan audit v1\x00")
	binary.Write(&b, binary.BigEndian, e.Seq)
	binary.Write(&b, binary.BigEndian, e.Time.UTC().UnixMicro())
	str := func(s string) {
		binary.Write(&b, binary.BigEndian, uint32(len(s)))
		b.WriteString(s)
	}
	str(e.Type)
	str(e.Subject)
	str(e.Actor)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	binary.Write(&b, binary.BigEndian, uint32(len(keys)))
	for _, k := range keys {
		str(k)
		str(e.Data[k])
	}
	b.Write(e.Prev)
	h := sha256.Sum256(b.Bytes())
	return h[:]
}

// Verify walks the whole chain and returns how many events it holds, or
// an error wrapping ErrBroken that names the first event that breaks it.
func (l *Log) Verify(ctx context.Context) (int, error) {
	prev, after, n := genesis, int64(0), 0
	for {
		page, err := l.st.AuditEvents(ctx, after, PageSize)
		if err != nil {
			return n, fmt.Errorf("audit: reading events: %w", err)
		}
		for _, e := range page {
			switch {
			case e.Seq != after+1:
				return n, fmt.Errorf("%w: event %d follows %d (a gap)", ErrBroken, e.Seq, after)
			case !bytes.Equal(e.Prev, prev):
				return n, fmt.Errorf("%w: event %d does not link to event %d", ErrBroken, e.Seq, after)
			case !bytes.Equal(Hash(e), e.Hash):
				return n, fmt.Errorf("%w: event %d was altered", ErrBroken, e.Seq)
			}
			prev, after = e.Hash, e.Seq
			n++
		}
		if len(page) < PageSize {
			return n, nil
		}
	}
}

// String prints an event without its data values.
func (e Event) String() string {
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return fmt.Sprintf("#%d %s %s subject=%s data=[%s]", e.Seq, e.Time.Format(time.RFC3339), e.Type, e.Subject, strings.Join(keys, ","))
}
