package quality

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language identification, deliberately small: the script decides for
// non-Latin text (Han → zh unless kana → ja, Hangul → ko, Cyrillic → ru or uk,
// Arabic, Hebrew, Greek, Thai, Devanagari → hi); Latin-script text is told by
// counting the most frequent function words of en, de, fr, es, it, pt and nl.
// Text too short or too mixed to tell is "und" (undetermined).

// Und is the code for text whose language cannot be told.
const Und = "und"

var stopWords = map[string][]string{
	"en": {"the", "and", "of", "to", "is", "in", "that", "it", "for", "you", "with", "are", "this", "was", "on", "be", "have", "not", "what", "can", "an", "or", "by", "from", "which", "they", "how", "their", "there", "would"},
	"de": {"der", "die", "und", "das", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "sich", "des", "auf", "für", "von", "dem", "auch", "es", "ich", "sie", "wird", "wie", "oder", "sind", "bei", "einer", "aus", "kann", "wenn"},
	"fr": {"le", "la", "les", "et", "des", "est", "une", "un", "du", "que", "pour", "dans", "qui", "pas", "sur", "au", "avec", "ce", "il", "sont", "par", "vous", "nous", "mais", "ou", "cette", "aux", "je", "leur", "être"},
	"es": {"el", "la", "los", "las", "que", "y", "en", "del", "es", "por", "un", "una", "con", "para", "se", "no", "su", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "este", "está", "son", "también", "cuando"},
	"it": {"il", "di", "che", "la", "e", "per", "un", "una", "non", "sono", "del", "della", "con", "si", "gli", "da", "nel", "anche", "alla", "come", "questo", "ha", "le", "ma", "più", "dei", "delle", "essere", "sul", "perché"},
	"pt": {"o", "a", "os", "as", "que", "de", "e", "do", "da", "em", "um", "uma", "para", "com", "não", "no", "na", "se", "por", "mais", "dos", "das", "como", "mas", "ao", "ele", "é", "foi", "são", "também"},
	"nl": {"de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "zijn", "voor", "met", "die", "er", "ook", "aan", "om", "maar", "als", "bij", "dit", "wordt", "naar", "ik", "je", "hij", "nog", "worden", "uit"},
}

// Languages lists the codes Detect can return (besides und).
var Languages = []string{"en", "de", "fr", "es", "it", "pt", "nl", "zh", "ja", "ko", "ru", "uk", "ar", "he", "el", "th", "hi"}

var stopIndex = func() map[string]uint8 {
	langs := []string{"en", "de", "fr", "es", "it", "pt", "nl"}
	m := map[string]uint8{}
	for i, l := range langs {
		for _, w := range stopWords[l] {
			m[w] |= 1 << i
		}
	}
	return m
}()

var latinLangs = [7]string{"en", "de", "fr", "es", "it", "pt", "nl"}

// ParseLangs checks a --lang list.
func ParseLangs(list string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(list, ",") {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		ok := false
		for _, k := range Languages {
			ok = ok || k == l
		}
		if !ok {
			return nil, fmt.Errorf("unknown language %q (known: %s)", l, strings.Join(Languages, ", "))
		}
		out = append(out, l)
	}
	return out, nil
}

// LangDetector tells the language of texts fed to it; reuse it per worker.
type LangDetector struct {
	votes   [7]int
	scripts map[string]int
	letters int
	word    []byte
}

// Reset starts a new detection.
func (d *LangDetector) Reset() {
	d.votes = [7]int{}
	clear(d.scripts)
	d.letters = 0
}

// Add feeds text.
func (d *LangDetector) Add(text []byte) {
	if d.scripts == nil {
		d.scripts = map[string]int{}
	}
	d.word = d.word[:0]
	flush := func() {
		if len(d.word) > 0 {
			if bits, ok := stopIndex[string(d.word)]; ok {
				for i := range d.votes {
					if bits&(1<<i) != 0 {
						d.votes[i]++
					}
				}
			}
			d.word = d.word[:0]
		}
	}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		i += size
		if !unicode.IsLetter(r) {
			flush()
			continue
		}
		d.letters++
		if r < 0x250 { // Latin
			d.scripts["latin"]++
			d.word = utf8.AppendRune(d.word, unicode.ToLower(r))
			continue
		}
		flush()
		switch {
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			d.scripts["kana"]++
		case unicode.Is(unicode.Han, r):
			d.scripts["han"]++
		case unicode.Is(unicode.Hangul, r):
			d.scripts["hangul"]++
		case unicode.Is(unicode.Cyrillic, r):
			d.scripts["cyrillic"]++
			if r == 'є' || r == 'і' || r == 'ї' || r == 'ґ' {
				d.scripts["uk"]++
			}
		case unicode.Is(unicode.Arabic, r):
			d.scripts["arabic"]++
		case unicode.Is(unicode.Hebrew, r):
			d.scripts["hebrew"]++
		case unicode.Is(unicode.Greek, r):
			d.scripts["greek"]++
		case unicode.Is(unicode.Thai, r):
			d.scripts["thai"]++
		case unicode.Is(unicode.Devanagari, r):
			d.scripts["devanagari"]++
		}
	}
	flush()
}

// Lang returns the detected language code, or Und.
func (d *LangDetector) Lang() string {
	if d.letters < 10 {
		return Und
	}
	best, n := "", 0
	for s, c := range d.scripts {
		if s != "uk" && (c > n || c == n && s < best) {
			best, n = s, c
		}
	}
	if 2*n < d.letters {
		return Und // no script holds half the letters
	}
	switch best {
	case "han":
		if d.scripts["kana"] > 0 {
			return "ja"
		}
		return "zh"
	case "kana":
		return "ja"
	case "hangul":
		return "ko"
	case "cyrillic":
		if d.scripts["uk"] > 0 {
			return "uk"
		}
		return "ru"
	case "arabic":
		return "ar"
	case "hebrew":
		return "he"
	case "greek":
		return "el"
	case "thai":
		return "th"
	case "devanagari":
		return "hi"
	}
	first, second := -1, 0
	for i, v := range d.votes {
		if first < 0 || v > d.votes[first] {
			if first >= 0 {
				second = d.votes[first]
			}
			first = i
		} else if v > second {
			second = v
		}
	}
	if d.votes[first] < 2 || 2*d.votes[first] < 3*second {
		return Und // too few function words, or no clear winner
	}
	return latinLangs[first]
}
