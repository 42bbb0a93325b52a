package sensitive

import "testing"

func BenchmarkDetect(b *testing.B) {
	for _, s := range []string{"Adébáyọ̀ Ọládípọ̀", "14 Herbert Macaulay Way", "call 0803 123 4567 at the gate, code 4521", "pay 4111 1111 1111 1111"} {
		b.Run(s, func(b *testing.B) {
			for range b.N {
				Detect(s, "note")
			}
		})
	}
}
