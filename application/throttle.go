package application

import (
	"math"
	"net/netip"
	"time"
)

// Level is how many attempts of l are left at now, of tokens left at
// since. A clock behind since (another replica's) refills nothing.
func (l Limit) Level(tokens float64, since, now time.Time) float64 {
	if elapsed := now.Sub(since); elapsed > 0 {
		tokens += float64(elapsed) / float64(l.Every)
	}
	return math.Min(tokens, float64(l.Burst))
}

// Wait is how long until an allowance at level has one attempt again.
func (l Limit) Wait(level float64) time.Duration {
	if level >= 1 {
		return 0
	}
	return time.Duration((1 - level) * float64(l.Every))
}

// The limits of SPEC section 8.
var (
	// A person who mistypes is not held up: five failures for one account
	// from one network, then one a minute.
	loginsPerNameAndNetwork = Limit{Burst: 5, Every: time.Minute}
	// An office or a campus behind one network can still log in: twenty
	// failures for any accounts, then one every six seconds.
	loginsPerNetwork = Limit{Burst: 20, Every: 6 * time.Second}
	// The ceiling for one account across every network: past it, guessers
	// spread over many networks get one try per network per
	// loginsPerNameAndNetwork refill, while a network that has not failed
	// for the account (its owner's) is let through.
	loginsPerName = Limit{Burst: 20, Every: 30 * time.Second}
	// Each sign-up costs a password hash: ten per network, then one every
	// six minutes.
	signupsPerNetwork = Limit{Burst: 10, Every: 6 * time.Minute}
)

// ClientNetwork is the part of a client's address that one person
// controls: its IPv4 /24, or its IPv6 /64, where one subscriber is handed
// a whole /64 to pick addresses from. Anything unparsable is its own key.
func ClientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p.String()
}

func loginAllowances(name, network string) []Allowance {
	return []Allowance{
		{Key: "login-net:" + network, Limit: loginsPerNetwork},
		{Key: "login-name-net:" + name + "|" + network, Limit: loginsPerNameAndNetwork},
		{Key: "login-name:" + name, Limit: loginsPerName},
	}
}

// decideLogin reads the levels of loginAllowances and says how long the
// attempt must wait, and why.
func decideLogin(levels []float64) (time.Duration, string) {
	network, nameNetwork, name := levels[0], levels[1], levels[2]
	switch {
	case network < 1:
		return loginsPerNetwork.Wait(network), "from your network"
	case nameNetwork < 1:
		return loginsPerNameAndNetwork.Wait(nameNetwork), "for this account from your network"
	case name < 1 && nameNetwork < float64(loginsPerNameAndNetwork.Burst):
		// Only a network that has failed for this account is held up by
		// the ceiling: strangers cannot lock the owner out.
		// It lets the network through again once either has refilled.
		untilClean := time.Duration((float64(loginsPerNameAndNetwork.Burst) - nameNetwork) * float64(loginsPerNameAndNetwork.Every))
		return min(loginsPerName.Wait(name), untilClean), "for this account"
	}
	return 0, ""
}
