package secure

import (
	"go.uber.org/fx"

	"upgrades/application"
)

// Module provides the wall clock, bcrypt and random tokens to the
// application.
func Module() fx.Option {
	return fx.Module("secure",
		fx.Provide(
			func() application.Clock { return SystemClock{} },
			func() application.PasswordHasher { return NewBcrypt() },
			func() application.Tokens { return Tokens{} },
			func() application.CodeMaker { return Codes{} },
		),
	)
}
