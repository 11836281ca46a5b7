package quality

import (
	"bytes"
	"net/netip"
	"regexp"
	"sort"
)

// PII kinds and the placeholders that replace them.
const (
	PIIEmail      = "email"
	PIIPhone      = "phone"
	PIIIP         = "ip"
	PIICreditCard = "credit_card"
)

// PIIKinds lists the kinds in the order the summary reports them.
var PIIKinds = []string{PIIEmail, PIIPhone, PIIIP, PIICreditCard}

var placeholder = map[string][]byte{
	PIIEmail:      []byte("<EMAIL>"),
	PIIPhone:      []byte("<PHONE>"),
	PIIIP:         []byte("<IP_ADDRESS>"),
	PIICreditCard: []byte("<CREDIT_CARD>"),
}

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	// card numbers: 13 to 19 digits, optionally grouped by spaces or dashes
	reCard = regexp.MustCompile(`\b\d(?:[ \-]?\d){12,18}\b`)
	reIPv4 = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	reIPv6 = regexp.MustCompile(`(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[0-9a-z]+)?`)
	// phones: an optional +country code and (area code), then 2 to 4 groups
	// of digits with separators; 10 to 15 digits in all
	rePhone = regexp.MustCompile(`(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}[ .\-]\d{2,4}(?:[ .\-]\d{2,5}){0,2}\b`)
)

// PIICounts counts redactions by kind.
type PIICounts map[string]int

type span struct {
	start, end int
	kind       string
}

// RedactPII replaces e-mail addresses, phone numbers, IPv4/IPv6 addresses
// and credit-card numbers (Luhn-checked) with placeholders such as <EMAIL>.
// It returns text itself when nothing was found.
func RedactPII(text []byte, counts PIICounts) ([]byte, bool) {
	if !mayHavePII(text) {
		return text, false
	}
	var spans []span
	add := func(kind string, re *regexp.Regexp, ok func([]byte) bool) {
		for _, m := range re.FindAllIndex(text, -1) {
			if ok == nil || ok(text[m[0]:m[1]]) {
				spans = append(spans, span{m[0], m[1], kind})
			}
		}
	}
	if bytes.IndexByte(text, '@') >= 0 {
		add(PIIEmail, reEmail, nil)
	}
	add(PIICreditCard, reCard, luhnOK)
	add(PIIIP, reIPv4, func(b []byte) bool { _, err := netip.ParseAddr(string(b)); return err == nil })
	if bytes.Count(text, []byte(":")) >= 2 {
		add(PIIIP, reIPv6, func(b []byte) bool {
			a, err := netip.ParseAddr(string(b))
			return err == nil && a.Is6() && bytes.Count(b, []byte(":")) >= 2
		})
	}
	add(PIIPhone, rePhone, phoneOK)
	if len(spans) == 0 {
		return text, false
	}
	// Earlier kinds win on overlap: sort by start, keep the first of overlapping spans.
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := make([]byte, 0, len(text))
	last := 0
	for _, s := range spans {
		if s.start < last {
			continue
		}
		out = append(out, text[last:s.start]...)
		out = append(out, placeholder[s.kind]...)
		counts[s.kind]++
		last = s.end
	}
	return append(out, text[last:]...), true
}

// mayHavePII is a cheap pre-check: every kind needs a run of digits or '@'.
func mayHavePII(text []byte) bool {
	digits := 0
	for _, c := range text {
		switch {
		case c == '@':
			return true
		case c >= '0' && c <= '9':
			digits++
			if digits >= 4 {
				return true
			}
		case c == ':':
			digits += 2 // IPv6 can be mostly letters
		}
	}
	return false
}

func digitsOf(b []byte) []byte {
	var d []byte
	for _, c := range b {
		if c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	return d
}

// luhnOK is the Luhn checksum that every payment card number satisfies.
func luhnOK(b []byte) bool {
	d := digitsOf(b)
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if (len(d)-1-i)%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func phoneOK(b []byte) bool {
	n := len(digitsOf(b))
	return n >= 10 && n <= 15
}
