package http

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"upgrades/domain"
)

// defaultContent is the upgrade page's words: what each upgrade gives, the
// comparison of the levels and the questions buyers ask. An operator
// replaces it with CONTENT_FILE.
//
//go:embed content.json
var defaultContent []byte

// Content is the upgrade page's text, read from the content file.
type Content struct {
	// Offers says, on each upgrade's card, what it gives.
	Offers     map[domain.UpgradeType]string
	Comparison Comparison
	FAQ        []Question
}

// Comparison is the table of what each level gets.
type Comparison struct {
	Levels []domain.Level
	Rows   []ComparisonRow
}

// ComparisonRow is one benefit, with what each level of the table gets
// (in the order of Comparison.Levels).
type ComparisonRow struct {
	Benefit string
	Values  []string
}

type Question struct{ Question, Answer string }

// contentFile is the file's shape.
type contentFile struct {
	Offers     map[string]string `json:"offers"`
	Comparison struct {
		Levels []string `json:"levels"`
		Rows   []struct {
			Benefit string            `json:"benefit"`
			Values  map[string]string `json:"values"`
		} `json:"rows"`
	} `json:"comparison"`
	FAQ []struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
	} `json:"faq"`
}

// DefaultContent is the embedded content.
func DefaultContent() Content {
	c, err := ParseContent(defaultContent)
	if err != nil {
		panic("the embedded content.json: " + err.Error())
	}
	return c
}

// ReadContentFile reads and checks an operator's content file; the error
// is one line that says what to fix.
func ReadContentFile(path string) (Content, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Content{}, fmt.Errorf("CONTENT_FILE: %w", err)
	}
	c, err := ParseContent(data)
	if err != nil {
		return Content{}, fmt.Errorf("CONTENT_FILE %s: %w", path, err)
	}
	return c, nil
}

// ParseContent reads a content file and checks that the page can show it:
// a text for every upgrade type, known levels with a value for each in
// every row, questions with answers, plain text without control
// characters, and no field it does not know (a misspelt one would be
// silently lost).
func ParseContent(data []byte) (Content, error) {
	var f contentFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Content{}, fmt.Errorf("not a content file: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Content{}, errors.New("not a content file: something follows the object")
	}
	c := Content{Offers: map[domain.UpgradeType]string{}}
	for slug, text := range f.Offers {
		t, err := domain.ParseUpgradeType(slug)
		if err != nil {
			return Content{}, fmt.Errorf("offers: %q is not an upgrade type (gold, platinum, gold_to_platinum)", slug)
		}
		if err := plain(text); err != nil {
			return Content{}, fmt.Errorf("offers.%s: %v", slug, err)
		}
		c.Offers[t] = strings.TrimSpace(text)
	}
	for _, t := range domain.UpgradeTypes {
		if c.Offers[t] == "" {
			return Content{}, fmt.Errorf("offers: %s has no text", t)
		}
	}
	if len(f.Comparison.Levels) < 2 || len(f.Comparison.Rows) == 0 {
		return Content{}, errors.New("comparison: needs two levels or more and a row")
	}
	for _, s := range f.Comparison.Levels {
		l, err := domain.ParseLevel(s)
		if err != nil {
			return Content{}, fmt.Errorf("comparison.levels: %q is not a level", s)
		}
		c.Comparison.Levels = append(c.Comparison.Levels, l)
	}
	for i, r := range f.Comparison.Rows {
		if err := plain(r.Benefit); err != nil {
			return Content{}, fmt.Errorf("comparison.rows[%d].benefit: %v", i, err)
		}
		if len(r.Values) != len(f.Comparison.Levels) {
			return Content{}, fmt.Errorf("comparison.rows[%d] (%s): needs a value for each of %s, and no other", i, r.Benefit, strings.Join(f.Comparison.Levels, ", "))
		}
		row := ComparisonRow{Benefit: strings.TrimSpace(r.Benefit)}
		for _, l := range f.Comparison.Levels {
			v, ok := r.Values[l]
			if err := plain(v); !ok || err != nil {
				return Content{}, fmt.Errorf("comparison.rows[%d] (%s): no value for %s", i, r.Benefit, l)
			}
			row.Values = append(row.Values, strings.TrimSpace(v))
		}
		c.Comparison.Rows = append(c.Comparison.Rows, row)
	}
	if len(f.FAQ) == 0 {
		return Content{}, errors.New("faq: needs a question")
	}
	for i, q := range f.FAQ {
		if err := plain(q.Question); err != nil {
			return Content{}, fmt.Errorf("faq[%d].question: %v", i, err)
		}
		if err := plain(q.Answer); err != nil {
			return Content{}, fmt.Errorf("faq[%d].answer: %v", i, err)
		}
		c.FAQ = append(c.FAQ, Question{strings.TrimSpace(q.Question), strings.TrimSpace(q.Answer)})
	}
	return c, nil
}

// plain checks one text of the content: present, without control
// characters (the page escapes it: markup shows as written).
func plain(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("empty")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return errors.New("has a control character")
	}
	return nil
}
