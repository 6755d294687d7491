package http

import (
	"strings"
	"testing"

	"upgrades/domain"
)

func TestTheEmbeddedContentIsValid(t *testing.T) {
	c := DefaultContent()
	for _, ty := range domain.UpgradeTypes {
		if c.Offers[ty] == "" {
			t.Errorf("no text for %s", ty)
		}
	}
	if len(c.Comparison.Levels) < 2 || len(c.Comparison.Rows) == 0 {
		t.Errorf("comparison: %+v", c.Comparison)
	}
	var faq []string
	for _, q := range c.FAQ {
		faq = append(faq, q.Question+" "+q.Answer)
	}
	// What buyers must be told (SPEC §10): how to pay, that it is paid
	// once, and the refund policy.
	all := strings.Join(faq, "\n")
	for _, want := range []string{"cards", "not", "subscription", "refund"} {
		if !strings.Contains(all, want) {
			t.Errorf("the questions do not mention %q", want)
		}
	}
}

func TestContentFileProblemsAreNamed(t *testing.T) {
	const offers = `"offers": {"gold": "g", "platinum": "p", "gold_to_platinum": "s"}`
	const comparison = `"comparison": {"levels": ["member", "gold"], "rows": [{"benefit": "Badge", "values": {"member": "No", "gold": "Yes"}}]}`
	const faq = `"faq": [{"question": "Q?", "answer": "A."}]`
	ok := "{" + offers + ", " + comparison + ", " + faq + "}"
	if _, err := ParseContent([]byte(ok)); err != nil {
		t.Fatalf("a valid file: %v", err)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"not JSON", "offers:", "not a content file"},
		{"unknown field", `{"offerz": {}}`, "unknown field"},
		{"trailing data", ok + " {}", "something follows"},
		{"a type missing", `{"offers": {"gold": "g", "platinum": "p"}, ` + comparison + ", " + faq + "}", "gold_to_platinum has no text"},
		{"unknown type", `{"offers": {"silver": "s"}, ` + comparison + ", " + faq + "}", `"silver" is not an upgrade type`},
		{"unknown level", "{" + offers + `, "comparison": {"levels": ["member", "diamond"], "rows": [{"benefit": "B", "values": {"member": "a", "diamond": "b"}}]}, ` + faq + "}", `"diamond" is not a level`},
		{"a value missing", "{" + offers + `, "comparison": {"levels": ["member", "gold"], "rows": [{"benefit": "B", "values": {"member": "a", "platinum": "b"}}]}, ` + faq + "}", "no value for gold"},
		{"no rows", "{" + offers + `, "comparison": {"levels": ["member", "gold"], "rows": []}, ` + faq + "}", "comparison"},
		{"no questions", "{" + offers + ", " + comparison + `, "faq": []}`, "faq: needs a question"},
		{"empty answer", "{" + offers + ", " + comparison + `, "faq": [{"question": "Q?", "answer": " "}]}`, "faq[0].answer: empty"},
		{"control character", "{" + offers + ", " + comparison + `, "faq": [{"question": "Q?\u0007", "answer": "A"}]}`, "faq[0].question: has a control character"},
	} {
		_, err := ParseContent([]byte(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.name, err, tc.want)
		}
	}
}
