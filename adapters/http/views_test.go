package http

import "testing"

func TestLinkUpgradesEscapesAndLinks(t *testing.T) {
	got := string(linkUpgrades(`Your payment for upgrade #12 (Gold) failed <b>& more</b>; Upgrade #3 too, not #4`))
	want := `Your payment for <a href="/user_upgrades/12">upgrade #12</a> (Gold) failed &lt;b&gt;&amp; more&lt;/b&gt;; <a href="/user_upgrades/3">Upgrade #3</a> too, not #4`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
