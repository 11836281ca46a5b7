package quality

import (
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/flock-off/ff/lib/convert"
)

// Limits bound a row's size; zero means no limit.
type Limits struct {
	MaxChars int // characters (runes) over all turns, system included
	MaxTurns int // turns of the conversation or prompt, system excluded
}

// DefaultLimits are --max-chars and --max-turns by default.
var DefaultLimits = Limits{MaxChars: 100_000, MaxTurns: 64}

// Problem is a named reason to reject a row.
type Problem struct {
	Rule   string
	Detail string
}

// Validate checks a canonical row: roles alternate starting with the user,
// an SFT conversation ends with the assistant and a DPO prompt with the user,
// no turn is empty, and the limits hold. Text is valid UTF-8 by
// construction: the reader reports invalid UTF-8 as a malformed row.
func Validate(r *convert.Row, to convert.Target, lim Limits) *Problem {
	turns := r.Turns
	if len(turns) == 0 {
		return &Problem{"role_order", "no turns"}
	}
	for i := range turns {
		want := convert.User
		if i%2 == 1 {
			want = convert.Assistant
		}
		if turns[i].Role != want {
			return &Problem{"role_order", "turn " + strconv.Itoa(i+1) + " is " + turns[i].Role + ", want " + want + " (turns alternate, starting with user)"}
		}
	}
	if to == convert.SFT && turns[len(turns)-1].Role != convert.Assistant {
		return &Problem{"role_order", "the conversation must end with an assistant turn"}
	}
	if to == convert.DPO && turns[len(turns)-1].Role != convert.User {
		return &Problem{"role_order", "the prompt must end with a user turn"}
	}
	if lim.MaxTurns > 0 && len(turns) > lim.MaxTurns {
		return &Problem{"too_many_turns", strconv.Itoa(len(turns)) + " turns > --max-turns " + strconv.Itoa(lim.MaxTurns)}
	}
	chars, bytes := 0, 0
	var p *Problem
	r.Texts(to, func(m *convert.Message) {
		if p != nil {
			return
		}
		if m.Role != convert.System && len(m.Text) == 0 {
			p = &Problem{"empty_turn", "an empty " + m.Role + " turn"}
			return
		}
		bytes += len(m.Text)
	})
	if p != nil {
		return p
	}
	if lim.MaxChars > 0 && bytes > lim.MaxChars { // characters <= bytes: count only when it can matter
		r.Texts(to, func(m *convert.Message) { chars += RuneCount(m.Text) })
	}
	if lim.MaxChars > 0 && chars > lim.MaxChars {
		return &Problem{"too_long", strconv.Itoa(chars) + " characters > --max-chars " + strconv.Itoa(lim.MaxChars)}
	}
	if to == convert.DPO && string(r.Chosen.Text) == string(r.Rejected.Text) {
		return &Problem{"same_answers", "chosen and rejected are the same"}
	}
	return nil
}

// RuneCount counts the characters of UTF-8 text. (utf8.RuneCount on a
// byte slice copies it to a string in this Go release; this does not.)
func RuneCount(b []byte) int {
	return utf8.RuneCountInString(unsafe.String(unsafe.SliceData(b), len(b)))
}
