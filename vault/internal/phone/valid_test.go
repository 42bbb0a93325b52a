package phone

import "testing"

func TestValidSomewhere(t *testing.T) {
	tests := []struct {
		digits string
		want   bool
	}{
		{"08031239999", true},   // Nigeria, trunk 0
		{"2348031239999", true}, // Nigeria, calling code without +
		{"4155550136", true},    // US
		{"07700900123", true},   // UK mobile
		{"02079460958", true},   // London
		{"1", false},
		{"", false},
		{"0000000000000000000000", false},
		{"12a4567", false},
	}
	for _, tt := range tests {
		if got := ValidSomewhere(tt.digits); got != tt.want {
			t.Errorf("ValidSomewhere(%q) = %v, want %v", tt.digits, got, tt.want)
		}
	}
}

func BenchmarkValidSomewhere(b *testing.B) {
	for b.Loop() {
		ValidSomewhere("79461234567")
	}
}
