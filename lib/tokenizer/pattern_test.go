package tokenizer

import (
	"reflect"
	"testing"
)

func TestKnownPatterns(t *testing.T) {
	tests := []struct {
		pattern, in string
		want        []string
	}{
		{patternQwen2, "Hello world", []string{"Hello", " world"}},
		{patternQwen2, "it's THEY'RE", []string{"it", "'s", " THEY", "'RE"}},
		{patternQwen2, "'x", []string{"'x"}},
		{patternQwen2, "123", []string{"1", "2", "3"}},
		{patternLlama, "12345", []string{"123", "45"}},
		{patternQwen2, "a  b", []string{"a", " ", " b"}},
		{patternQwen2, "a\n\nb", []string{"a", "\n\n", "b"}},
		{patternQwen2, "x  \n  y", []string{"x", "  \n", " ", " y"}},
		{patternQwen2, "!!!\n\nabc", []string{"!!!\n\n", "abc"}},
		{patternQwen2, " (x)", []string{" (", "x", ")"}},
		{patternQwen2, "a   ", []string{"a", "   "}},
		{patternQwen2, "\tword", []string{"\tword"}},
		{patternQwen2, "你好 世界", []string{"你好", " 世界"}},
		{patternGPT2, "Hello  world 123", []string{"Hello", " ", " world", " 123"}},
		{patternGPT2, "it's", []string{"it", "'s"}},
		{patternGPT2, "IT'S", []string{"IT", "'", "S"}},
		{patternGPT2, " ?!", []string{" ?!"}},
	}
	for _, tt := range tests {
		sp := &splitPre{m: knownPattern(tt.pattern), behavior: isolated}
		if got := sp.split(nil, []string{tt.in}, true); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%.20s… on %q = %q, want %q", tt.pattern, tt.in, got, tt.want)
		}
	}
}

func TestSplitBehaviors(t *testing.T) {
	m := literalMatcher{"-"}
	tests := []struct {
		b      splitBehavior
		invert bool
		want   []string
	}{
		{isolated, false, []string{"a", "-", "b", "-", "-", "c"}},
		{removed, false, []string{"a", "b", "c"}},
		{mergedWithPrevious, false, []string{"a-", "b-", "-", "c"}},
		{mergedWithNext, false, []string{"a", "-b", "-", "-c"}},
		{contiguous, false, []string{"a", "-", "b", "--", "c"}},
		{removed, true, []string{"-", "-", "-"}},
	}
	for _, tt := range tests {
		sp := &splitPre{m: m, behavior: tt.b, invert: tt.invert}
		if got := sp.split(nil, []string{"a-b--c"}, true); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("behavior %d invert %v = %q, want %q", tt.b, tt.invert, got, tt.want)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	tests := map[string]string{
		"ok":            "ok",
		"a\xffb":        "a\uFFFDb",
		"\xe2\x82":      "\uFFFD\uFFFD",
		"\xc3\x28":      "\uFFFD(",
		"é\xed\xa0\x80": "é\uFFFD\uFFFD\uFFFD", // a surrogate is invalid
	}
	for in, want := range tests {
		if got := ValidUTF8(in); got != want {
			t.Errorf("ValidUTF8(%q) = %q, want %q", in, got, want)
		}
	}
	lossy := map[string]string{
		"a\xe2\x82b":   "a\uFFFDb", // one maximal subpart, one replacement
		"\xf0\x9f\x98": "\uFFFD",
		"\xff\xfe":     "\uFFFD\uFFFD",
		"ok":           "ok",
	}
	for in, want := range lossy {
		if got := lossyString([]byte(in)); got != want {
			t.Errorf("lossyString(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowercaseFullMapping(t *testing.T) {
	for in, want := range map[string]string{"İI": "i\u0307i", "ΣΑΣ": "σασ", "ABC": "abc", "": ""} {
		if got := (lowercaseNorm{}).normalize(in); got != want {
			t.Errorf("lowercase %q = %q, want %q", in, got, want)
		}
	}
}
