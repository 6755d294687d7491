package secure

import (
	"time"

	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the wall clock, bcrypt, random tokens and the login
// throttles to the application.
func Module() fx.Option {
	return fx.Module("secure",
		fx.Provide(
			func() application.Clock { return SystemClock{} },
			func() application.PasswordHasher { return NewBcrypt() },
			func() application.Tokens { return Tokens{} },
			LoginThrottles,
		),
	)
}

// LoginThrottles let one account be guessed at 5 times, then once a
// minute (about 1,440 guesses a day), and one address try 20 logins, then
// one every 6 seconds: a person who mistypes is not held up, and an office
// behind one address can still log in.
func LoginThrottles() application.LoginThrottles {
	return application.LoginThrottles{
		ByName:    NewThrottle(5, time.Minute),
		ByAddress: NewThrottle(20, 6*time.Second),
	}
}
