package http

import "testing"

func TestLinkUpgradesEscapesAndLinks(t *testing.T) {
	got := string(linkUpgrades(`Your payment for upgrade #12 (Gold) failed <b>& more</b>; Upgrade #3 too, not #4`))
	want := `Your payment for <a href="/user_upgrades/12">upgrade #12</a> (Gold) failed &lt;b&gt;&amp; more&lt;/b&gt;; <a href="/user_upgrades/3">Upgrade #3</a> too, not #4`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestMentions(t *testing.T) {
	for body, want := range map[string]bool{
		"Your payment for upgrade #12 (Gold) failed": true,
		"Upgrade #12 needs attention":                true,
		"Your payment for upgrade #123 failed":       false,
		"You have been upgraded to Gold!":            false,
	} {
		if got := mentions(body, 12); got != want {
			t.Errorf("mentions(%q, 12) = %t", body, got)
		}
	}
}
