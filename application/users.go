package application

import (
	"context"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"upgrades/domain"
)

// SignUp creates a member account.
type SignUp struct {
	Name, Password, Email string
}

type SignUpHandler struct{ d Deps }

func (h SignUpHandler) Handle(ctx context.Context, cmd SignUp) (*domain.User, error) {
	return createUser(ctx, h.d, cmd.Name, cmd.Password, cmd.Email, domain.LevelMember)
}

// CreateUser creates an account at any level (operators only).
type CreateUser struct {
	Name, Password, Email string
	Level                 domain.Level
}

type CreateUserHandler struct{ d Deps }

func (h CreateUserHandler) Handle(ctx context.Context, cmd CreateUser) (*domain.User, error) {
	return createUser(ctx, h.d, cmd.Name, cmd.Password, cmd.Email, cmd.Level)
}

func createUser(ctx context.Context, d Deps, name, password, email string, level domain.Level) (*domain.User, error) {
	name = strings.TrimSpace(name)
	if err := domain.ValidateUserName(name); err != nil {
		return nil, err
	}
	if err := domain.CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := d.Passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	key, err := d.Tokens.NewToken()
	if err != nil {
		return nil, err
	}
	u, err := domain.NewUser(name, email, hash, key, level, d.Clock.Now())
	if err != nil {
		return nil, err
	}
	err = d.UoW.Do(ctx, func(ctx context.Context, s Store) error { return s.Users.Create(ctx, u) })
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a name and password. Address is where the attempt comes
// from, for the throttle.
type Login struct{ Name, Password, Address string }

// LoginHandler's dummyHash makes a login for an unknown name cost as much
// as a real one, so that timing does not tell which names exist.
type LoginHandler struct {
	d         Deps
	dummyHash func() string
}

func newLoginHandler(d Deps) LoginHandler {
	return LoginHandler{d, sync.OnceValue(func() string {
		h, _ := d.Passwords.Hash("not the password of anyone")
		return h
	})}
}

// Handle spends an attempt of the address's and of the name's allowance
// before the password is even looked at, so that a guesser learns nothing
// once either is used up; a right password gives both attempts back. Names
// nobody has are rationed too, so the throttle does not tell which exist.
func (h LoginHandler) Handle(ctx context.Context, cmd Login) (*domain.User, error) {
	name := strings.ToLower(strings.TrimSpace(cmd.Name))
	now := h.d.Clock.Now()
	if wait := h.d.Logins.ByAddress.Take(cmd.Address, now); wait > 0 {
		return nil, tooManyLogins("from your address", wait)
	}
	if wait := h.d.Logins.ByName.Take(name, now); wait > 0 {
		return nil, tooManyLogins("for this account", wait)
	}
	u, err := h.check(ctx, cmd)
	if err == nil {
		h.d.Logins.ByAddress.Return(cmd.Address)
		h.d.Logins.ByName.Return(name)
	}
	return u, err
}

func (h LoginHandler) check(ctx context.Context, cmd Login) (*domain.User, error) {
	wrong := domain.Errorf(domain.KindUnauthenticated, "wrong name or password")
	u, err := userByName(ctx, h.d, cmd.Name)
	if domain.IsKind(err, domain.KindNotFound) || domain.IsKind(err, domain.KindInvalid) {
		h.d.Passwords.Verify(h.dummyHash(), cmd.Password)
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	// bcrypt compares only the first 72 bytes: a longer password would
	// log in with anything appended to the real one. None can be set.
	if len(cmd.Password) > domain.MaxPasswordBytes || !h.d.Passwords.Verify(u.PasswordHash(), cmd.Password) {
		return nil, wrong
	}
	return u, nil
}

func tooManyLogins(where string, wait time.Duration) error {
	wait = (wait + time.Second - 1).Truncate(time.Second) // never "try again in 0s"
	e := domain.Errorf(domain.KindTooManyRequests, "too many failed logins %s; try again in %s", where, wait)
	e.RetryAfter = wait
	return e
}

// AuthenticateAPIKey checks an API client's name and key.
type AuthenticateAPIKey struct{ Name, Key string }

type AuthenticateAPIKeyHandler struct{ d Deps }

func (h AuthenticateAPIKeyHandler) Handle(ctx context.Context, cmd AuthenticateAPIKey) (*domain.User, error) {
	wrong := domain.Errorf(domain.KindUnauthenticated, "wrong name or API key")
	u, err := userByName(ctx, h.d, cmd.Name)
	if domain.IsKind(err, domain.KindNotFound) || domain.IsKind(err, domain.KindInvalid) {
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(u.APIKey()), []byte(cmd.Key)) != 1 {
		return nil, wrong
	}
	return u, nil
}

// CurrentUser reads the logged-in user; a vanished account is
// unauthenticated.
type CurrentUser struct{ ID domain.UserID }

type CurrentUserHandler struct{ d Deps }

func (h CurrentUserHandler) Handle(ctx context.Context, cmd CurrentUser) (*domain.User, error) {
	u, err := userByID(ctx, h.d, cmd.ID)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, domain.Errorf(domain.KindUnauthenticated, "log in first")
	}
	return u, err
}

// SetLevel changes a user's level (operators only).
type SetLevel struct {
	Name  string
	Level domain.Level
}

type SetLevelHandler struct{ d Deps }

func (h SetLevelHandler) Handle(ctx context.Context, cmd SetLevel) (*domain.User, error) {
	return updateUser(ctx, h.d, cmd.Name, func(u *domain.User) error { return u.SetLevel(cmd.Level) })
}

// Ban bans a user (operators only).
type Ban struct{ Name string }

type BanHandler struct{ d Deps }

func (h BanHandler) Handle(ctx context.Context, cmd Ban) (*domain.User, error) {
	return updateUser(ctx, h.d, cmd.Name, func(u *domain.User) error { u.Ban(); return nil })
}

func updateUser(ctx context.Context, d Deps, name string, change func(*domain.User) error) (*domain.User, error) {
	var out *domain.User
	err := d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		found, err := s.Users.ByName(ctx, name)
		if err != nil {
			return err
		}
		u, err := s.Users.LockByID(ctx, found.ID())
		if err != nil {
			return err
		}
		if err := change(u); err != nil {
			return err
		}
		out = u
		return s.Users.Update(ctx, u)
	})
	return out, err
}

// ShowUser reads a profile.
type ShowUser struct {
	ViewerID domain.UserID // 0 when nobody is logged in
	UserID   domain.UserID
}

// UserProfile is a user as a viewer sees them.
type UserProfile struct {
	User   *domain.User
	IsSelf bool
	// Offers are the upgrades the viewer could buy for this user now.
	Offers []Offer
}

type ShowUserHandler struct{ d Deps }

func (h ShowUserHandler) Handle(ctx context.Context, cmd ShowUser) (UserProfile, error) {
	var p UserProfile
	err := h.d.UoW.Do(ctx, func(ctx context.Context, s Store) error {
		u, err := s.Users.ByID(ctx, cmd.UserID)
		if err != nil {
			return err
		}
		viewer, err := optionalUser(ctx, s, cmd.ViewerID)
		if err != nil {
			return err
		}
		p = UserProfile{User: u, IsSelf: viewer != nil && viewer.ID() == u.ID(), Offers: offers(h.d.Config, viewer, u)}
		return nil
	})
	return p, err
}

func optionalUser(ctx context.Context, s Store, id domain.UserID) (*domain.User, error) {
	if id == 0 {
		return nil, nil
	}
	u, err := s.Users.ByID(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, nil
	}
	return u, err
}

func userByName(ctx context.Context, d Deps, name string) (*domain.User, error) {
	if err := domain.ValidateUserName(name); err != nil {
		return nil, err
	}
	var u *domain.User
	err := d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		u, err = s.Users.ByName(ctx, name)
		return err
	})
	return u, err
}

func userByID(ctx context.Context, d Deps, id domain.UserID) (*domain.User, error) {
	var u *domain.User
	err := d.UoW.Do(ctx, func(ctx context.Context, s Store) (err error) {
		u, err = s.Users.ByID(ctx, id)
		return err
	})
	return u, err
}
