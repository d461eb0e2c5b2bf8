//! Block classification: 64 bytes of a feed turned into bitmasks with SIMD.
//!
//! The scanner's state machine needs to look only at a few positions of a
//! feed: structural characters and the first byte of each scalar outside
//! strings, and the quotes, backslashes and control bytes inside them. Which
//! is which depends on where strings begin and end, and that is found for 64
//! bytes at once, as in simdjson's stage 1: a quote preceded by an odd run of
//! backslashes is escaped ([`escaped`]); the prefix XOR of the other quotes
//! is the in-string mask ([`prefix_xor`]). This module computes the four
//! byte-class masks with the fastest instructions the machine has and the
//! positions the state machine must see ([`layout`]).
//!
//! Every path computes exactly the same masks (a property test compares
//! them on every byte value at every position); only the speed differs. The
//! unsafe code is here only: loads from a slice known to hold the bytes,
//! and calls of functions compiled for a feature the CPU was checked to have.

#![allow(unsafe_code)]

/// Which scanner reads a feed. Every path gives the same output, counts,
/// error code and offset (property and fuzz tests compare them with the
/// scalar reference); they differ only in speed.
///
/// ```
/// use resale_core::catalog::ScanPath;
/// assert!(ScanPath::Scalar.is_available());
/// assert!(ScanPath::detect().is_available());
/// assert!(ScanPath::available().contains(&ScanPath::Scalar));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanPath {
    /// Byte at a time (strings skipped eight bytes at a time): the reference,
    /// and the fallback everywhere.
    Scalar,
    /// 64-byte blocks classified with SSE2 (every x86_64 CPU has it).
    Sse2,
    /// 64-byte blocks classified with AVX2, the quote parity by carry-less
    /// multiply (chosen at run time when the CPU has AVX2, PCLMULQDQ, BMI1,
    /// LZCNT and POPCNT, as every AVX2 CPU does).
    Avx2,
    /// 64-byte blocks classified with AVX-512 (one 64-byte register a
    /// block, each class a mask compare), the quote parity by carry-less
    /// multiply (chosen at run time when the CPU has AVX512BW, PCLMULQDQ,
    /// BMI1, LZCNT and POPCNT, as every AVX-512 CPU does).
    Avx512,
    /// 64-byte blocks classified with WebAssembly `simd128` (a build with
    /// `-C target-feature=+simd128`).
    Simd128,
}

impl ScanPath {
    /// The fastest path this machine runs: AVX-512 when the CPU has it,
    /// else AVX2, else SSE2 on x86_64; `simd128` in a WebAssembly build
    /// with that feature; the scalar scanner elsewhere.
    pub fn detect() -> ScanPath {
        [
            ScanPath::Avx512,
            ScanPath::Avx2,
            ScanPath::Sse2,
            ScanPath::Simd128,
        ]
        .into_iter()
        .find(|p| p.is_available())
        .unwrap_or(ScanPath::Scalar)
    }

    /// Whether this build on this CPU can run the path.
    pub fn is_available(self) -> bool {
        match self {
            ScanPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            ScanPath::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            ScanPath::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("pclmulqdq")
                    && std::arch::is_x86_feature_detected!("bmi1")
                    && std::arch::is_x86_feature_detected!("lzcnt")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            ScanPath::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("pclmulqdq")
                    && std::arch::is_x86_feature_detected!("bmi1")
                    && std::arch::is_x86_feature_detected!("lzcnt")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            ScanPath::Simd128 => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// Every path this machine runs, the scalar reference first.
    pub fn available() -> Vec<ScanPath> {
        [
            ScanPath::Scalar,
            ScanPath::Sse2,
            ScanPath::Avx2,
            ScanPath::Avx512,
            ScanPath::Simd128,
        ]
        .into_iter()
        .filter(|p| p.is_available())
        .collect()
    }

    /// `scalar`, `sse2`, `avx2`, `avx512` or `simd128`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanPath::Scalar => "scalar",
            ScanPath::Sse2 => "sse2",
            ScanPath::Avx2 => "avx2",
            ScanPath::Avx512 => "avx512",
            ScanPath::Simd128 => "simd128",
        }
    }
}

/// The byte classes of one 64-byte block, bit `k` for byte `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Masks {
    /// `"`
    pub quote: u64,
    /// `\`
    pub backslash: u64,
    /// below 0x20 (not allowed raw inside a string)
    pub control: u64,
    /// JSON whitespace: space, tab, line feed, carriage return
    pub space: u64,
    /// `/`: with `"` and `\\`, the short escapes a feed has most (PHP
    /// writes `\\/` in every URL), which the block path accepts from the
    /// masks alone.
    pub slash: u64,
}

/// The masks of `block`, byte by byte: the reference for the SIMD paths, and
/// the classifier of the scalar path's tests.
pub(crate) fn classify_bytes(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (k, &b) in block.iter().enumerate() {
        let bit = 1u64 << k;
        if b == b'"' {
            m.quote |= bit;
        }
        if b == b'\\' {
            m.backslash |= bit;
        }
        if b < 0x20 {
            m.control |= bit;
        }
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            m.space |= bit;
        }
        if b == b'/' {
            m.slash |= bit;
        }
    }
    m
}

/// The masks of `block` on `path` (which the caller checked is available).
#[cfg(test)]
pub(crate) fn classify(path: ScanPath, block: &[u8; 64]) -> Masks {
    struct One<'a>(&'a [u8; 64]);
    impl BlockLoop for One<'_> {
        type Output = Masks;
        fn run<C: Classify>(self) -> Masks {
            C::masks(self.0)
        }
    }
    run_on(path, One(block))
}

/// [`Classify::string_run`] on `path` (which the caller checked is available).
#[cfg(test)]
pub(crate) fn string_run(path: ScanPath, chunk: &[u8], i: usize) -> usize {
    struct Run<'a>(&'a [u8], usize);
    impl BlockLoop for Run<'_> {
        type Output = usize;
        fn run<C: Classify>(self) -> usize {
            C::string_run(self.0, self.1)
        }
    }
    run_on(path, Run(chunk, i))
}

/// A block classifier, as a type: a loop generic over it is compiled once
/// per path, with the classifier inlined into it.
pub(crate) trait Classify {
    /// The masks of one block.
    fn masks(block: &[u8; 64]) -> Masks;

    /// An index `j >= i` such that `chunk[i..j]` holds no `"`, `\\` or
    /// control byte: the first such byte of `chunk[i..]`, or a point from
    /// which the rest of the chunk is left to the block loop. Inside a
    /// string, those bytes decide nothing (UTF-8 is checked apart), and a
    /// feed's descriptions run to hundreds of them: a search for the three
    /// bytes costs a few instructions per 32, where a block costs a
    /// classification, a layout and a visit.
    #[inline]
    fn string_run(chunk: &[u8], mut i: usize) -> usize {
        while let Some(block) = chunk.get(i..i + 64) {
            let m = Self::masks(block.try_into().expect("64 bytes"));
            let special = m.quote | m.backslash | m.control;
            if special != 0 {
                return i + special.trailing_zeros() as usize;
            }
            i += 64;
        }
        i
    }

    /// [`prefix_xor`] of `x`: which bytes of a block are inside strings,
    /// from its real quotes.
    #[inline(always)]
    fn parity(x: u64) -> u64 {
        prefix_xor(x)
    }
}

/// The byte-by-byte classifier (the paths without SIMD).
pub(crate) struct Bytewise;

impl Classify for Bytewise {
    #[inline]
    fn masks(block: &[u8; 64]) -> Masks {
        classify_bytes(block)
    }
}

/// A loop over blocks, written once and compiled for each classifier, so
/// that the state machine's steps and the classifier (but AVX2's, see
/// `x86::avx2`) inline into one hot loop.
pub(crate) trait BlockLoop {
    type Output;
    /// The loop, with `C` classifying its blocks.
    fn run<C: Classify>(self) -> Self::Output;
}

/// Run `l` with the classifier of `path` (which the caller checked is
/// available).
#[inline]
pub(crate) fn run_on<L: BlockLoop>(path: ScanPath, l: L) -> L::Output {
    match path {
        #[cfg(target_arch = "x86_64")]
        ScanPath::Sse2 => l.run::<x86::Sse2>(),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a filter takes the AVX2 path only after
        // `ScanPath::is_available` saw the CPU has AVX2, PCLMULQDQ, BMI1,
        // LZCNT and POPCNT.
        ScanPath::Avx2 => unsafe { x86::run_avx2(l) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a filter takes the AVX-512 path only after
        // `ScanPath::is_available` saw the CPU has AVX512BW, PCLMULQDQ,
        // BMI1, LZCNT and POPCNT.
        ScanPath::Avx512 => unsafe { x86::run_avx512(l) },
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        ScanPath::Simd128 => l.run::<wasm::Simd128>(),
        _ => l.run::<Bytewise>(),
    }
}

/// Bits of the characters escaped by a backslash: the byte after each run of
/// backslashes of odd length. The block starts outside any escape (the
/// scanner enters block mode only between tokens), so nothing carries in; a
/// run reaching bit 63 escapes a byte of the next block, which the state
/// machine reads itself.
#[inline]
pub(crate) fn escaped(backslash: u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let starts = backslash & !(backslash << 1);
    // Adding a run's start bit to the run carries one past its end.
    let even_ends = backslash.wrapping_add(starts & EVEN) & !backslash;
    let odd_ends = backslash.wrapping_add(starts & !EVEN) & !backslash;
    // A run of odd length started on an even bit ends on an odd one, and
    // the other way round.
    (even_ends & !EVEN) | (odd_ends & EVEN)
}

/// Bit `k` of the result is the XOR of bits `0..=k` of `x`.
#[inline]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Where a block's strings are, from its masks and whether it starts
/// inside a string (bit `k` for byte `k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The positions the state machine must see, escapes aside: outside
    /// strings every byte but whitespace, and every quote that is not
    /// escaped (a string's two ends); inside strings the control bytes.
    pub visit: u64,
    /// The bytes inside strings that a backslash escapes (the byte after a
    /// run of backslashes of odd length), but for `"` and `/`, which are
    /// valid short escapes whatever the bytes around them: what the scanner
    /// checks to skip the block's escapes without visiting them
    /// ([`super::scanner`]).
    pub escaped: u64,
    /// The backslashes inside strings: visited when the escapes cannot be
    /// skipped (an invalid one, a surrogate, one that crosses the block).
    pub backslash: u64,
}

/// The [`Layout`] of a block, starting inside a string or not. `visit` is
/// a superset of what decides something (every string end, every byte
/// outside strings) so that the machine, which checks every byte it is
/// given, sees each byte that matters, up to and including the first error:
/// the first wrong byte of a feed is visited before any mask that it could
/// have put wrong.
#[inline]
pub(crate) fn layout<C: Classify>(m: Masks, in_string: bool) -> Layout {
    // Most blocks of a feed have no backslash at all.
    let esc = if m.backslash == 0 {
        0
    } else {
        escaped(m.backslash)
    };
    let real_quotes = m.quote & !esc;
    // 1 from an opening quote up to (not including) its closing quote.
    let inside = C::parity(real_quotes) ^ if in_string { !0 } else { 0 };
    Layout {
        visit: real_quotes | (inside & m.control) | (!inside & !m.space),
        escaped: esc & inside & !(m.quote | m.slash),
        backslash: m.backslash & inside,
    }
}

/// For each low nibble, the JSON whitespace byte that has it, or 0 (which
/// no byte with that low nibble, other than 0, equals): ` ` is 0x20, tab
/// 0x09, line feed 0x0a, carriage return 0x0d.
#[cfg(any(target_arch = "x86_64", target_arch = "wasm32"))]
const SPACE_BY_LOW_NIBBLE: [u8; 16] = [
    b' ', 0, 0, 0, 0, 0, 0, 0, 0, b'\t', b'\n', 0, 0, b'\r', 0, 0,
];

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BlockLoop, Classify, Masks, SPACE_BY_LOW_NIBBLE};
    use std::arch::x86_64::*;

    pub(super) struct Sse2;

    impl Classify for Sse2 {
        #[inline(always)]
        fn masks(block: &[u8; 64]) -> Masks {
            // SAFETY: SSE2 is part of the x86_64 baseline (the build
            // configuration enables it), so every CPU running this code has it.
            unsafe { sse2(block) }
        }

        #[inline(always)]
        fn string_run(chunk: &[u8], i: usize) -> usize {
            // SAFETY: as for `masks`.
            unsafe { Sse2::string_run_sse2(chunk, i) }
        }
    }

    impl Sse2 {
        /// [`Classify::string_run`], 16 bytes at a time.
        #[target_feature(enable = "sse2")]
        #[inline]
        fn string_run_sse2(chunk: &[u8], mut i: usize) -> usize {
            let (quote, backslash) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8));
            let max_control = _mm_set1_epi8(0x1f);
            while i + 16 <= chunk.len() {
                // SAFETY: bytes i..i+16 are in `chunk`; `loadu` has no
                // alignment requirement.
                let v = unsafe { _mm_loadu_si128(chunk.as_ptr().add(i).cast::<__m128i>()) };
                let special = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                    _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v),
                );
                let bits = _mm_movemask_epi8(special) as u32;
                if bits != 0 {
                    return i + bits.trailing_zeros() as usize;
                }
                i += 16;
            }
            i
        }
    }

    /// A classifier the CPU is checked for at run time (`ScanPath::
    /// is_available`): its masks and string runs from functions compiled
    /// for `$feature`, its quote parity by carry-less multiply, and `$run`,
    /// the block loop compiled with `$loop_features` (PCLMULQDQ at least, so
    /// that the multiply inlines into it). Only for a CPU that has them all.
    macro_rules! detected_classifier {
        ($name:ident, $feature:literal, $loop_features:literal, $masks:ident, $string_run:ident, $run:ident) => {
            pub(super) struct $name;

            impl Classify for $name {
                #[inline(always)]
                fn masks(block: &[u8; 64]) -> Masks {
                    // SAFETY: a filter takes this path only after
                    // `ScanPath::is_available` saw the CPU has the feature.
                    unsafe { $masks(block) }
                }

                #[inline(always)]
                fn string_run(chunk: &[u8], i: usize) -> usize {
                    // SAFETY: as for `masks`.
                    unsafe { $string_run(chunk, i) }
                }

                #[inline(always)]
                fn parity(x: u64) -> u64 {
                    // SAFETY: this path runs only on a CPU with PCLMULQDQ
                    // (`ScanPath::is_available`), inside its block loop.
                    unsafe { clmul_prefix_xor(x) }
                }
            }

            #[doc = concat!("The block loop `l` with the ", $feature, " classifier.")]
            #[target_feature(enable = $loop_features)]
            pub(super) fn $run<L: BlockLoop>(l: L) -> L::Output {
                l.run::<$name>()
            }
        };
    }

    // The AVX2 block loop is compiled for AVX2 (its masks inline into it)
    // and for BMI1, LZCNT and POPCNT (`tzcnt` without a test for zero,
    // `blsr`). Instructions per filter under callgrind (the program of
    // `make profile-scan`): 672 KB fixture 4.30M before, 4.09M after;
    // 10 MB feed 56.5M before, 53.4M after. The AVX-512 loop likewise,
    // for AVX512BW (its masks and string runs inline into it) with the
    // same three: its ratio to serde_json, paired rounds of `cargo bench
    // -p resale-core --bench catalog -- --only path_avx512,path_avx2`,
    // three alternated runs on a Zen 4 EPYC: 672 KB fixture 1.03-1.04 ->
    // 1.13, 10 MB feed 0.81-0.84 -> 0.87-0.89 (AVX2 in the same runs
    // 1.14-1.16 and 0.87-0.91). valgrind runs no AVX-512, so this loop
    // has no instruction count.
    detected_classifier!(
        Avx2,
        "AVX2",
        "avx2,pclmulqdq,bmi1,lzcnt,popcnt",
        avx2,
        string_run_avx2,
        run_avx2
    );
    detected_classifier!(
        Avx512,
        "AVX-512",
        "avx512bw,pclmulqdq,bmi1,lzcnt,popcnt",
        avx512,
        string_run_avx512,
        run_avx512
    );

    /// [`super::prefix_xor`] as a carry-less multiply by all ones (as in
    /// simdjson): bit `k` of the product is the XOR of bits `0..=k` of
    /// `x`, in three instructions where the shifts take twelve. Only for a
    /// CPU that has PCLMULQDQ.
    #[target_feature(enable = "pclmulqdq")]
    #[inline]
    pub(super) fn clmul_prefix_xor(x: u64) -> u64 {
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
        _mm_cvtsi128_si64(product) as u64
    }

    /// [`Classify::string_run`], 32 bytes at a time; only for a CPU that
    /// has AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn string_run_avx2(chunk: &[u8], mut i: usize) -> usize {
        let (quote, backslash) = (_mm256_set1_epi8(b'"' as i8), _mm256_set1_epi8(b'\\' as i8));
        let max_control = _mm256_set1_epi8(0x1f);
        while i + 32 <= chunk.len() {
            // SAFETY: bytes i..i+32 are in `chunk`; `loadu` has no
            // alignment requirement.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().add(i).cast::<__m256i>()) };
            let special = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash)),
                _mm256_cmpeq_epi8(_mm256_min_epu8(v, max_control), v),
            );
            let bits = _mm256_movemask_epi8(special) as u32;
            if bits != 0 {
                return i + bits.trailing_zeros() as usize;
            }
            i += 32;
        }
        i
    }

    /// SSE2 is part of x86_64: every CPU that runs this build has it.
    #[target_feature(enable = "sse2")]
    #[inline]
    fn sse2(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for k in 0..4 {
            // SAFETY: `block` holds 64 bytes, so bytes 16k..16k+16 are in
            // it; `loadu` has no alignment requirement.
            let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>()) };
            let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16) << (16 * k);
            m.quote |= bits(eq(b'"'));
            m.backslash |= bits(eq(b'\\'));
            m.slash |= bits(eq(b'/'));
            // v <= 0x1f (unsigned) exactly when min(v, 0x1f) == v.
            m.control |= bits(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v));
            m.space |= bits(_mm_or_si128(
                _mm_or_si128(eq(b' '), eq(b'\t')),
                _mm_or_si128(eq(b'\n'), eq(b'\r')),
            ));
        }
        m
    }

    /// Only for a CPU that has AVX2 (callers check at run time). Inlined
    /// into the AVX2 block loop, whose movemasks go through [`bits32`].
    #[target_feature(enable = "avx2")]
    #[inline]
    fn avx2(block: &[u8; 64]) -> Masks {
        // SAFETY: the table holds 16 bytes; `loadu` needs no alignment.
        let table = unsafe { _mm_loadu_si128(SPACE_BY_LOW_NIBBLE.as_ptr().cast::<__m128i>()) };
        let space_table = _mm256_broadcastsi128_si256(table);
        let (quote, backslash, slash) = (
            _mm256_set1_epi8(b'"' as i8),
            _mm256_set1_epi8(b'\\' as i8),
            _mm256_set1_epi8(b'/' as i8),
        );
        let max_control = _mm256_set1_epi8(0x1f);
        let mut m = Masks::default();
        for k in 0..2 {
            // SAFETY: `block` holds 64 bytes, so bytes 32k..32k+32 are in
            // it; `loadu` has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(32 * k).cast::<__m256i>()) };
            let shift = 32 * k;
            m.quote |= bits32(_mm256_cmpeq_epi8(v, quote)) << shift;
            m.backslash |= bits32(_mm256_cmpeq_epi8(v, backslash)) << shift;
            m.slash |= bits32(_mm256_cmpeq_epi8(v, slash)) << shift;
            // v <= 0x1f (unsigned) exactly when min(v, 0x1f) == v.
            m.control |= bits32(_mm256_cmpeq_epi8(_mm256_min_epu8(v, max_control), v)) << shift;
            // Whitespace by table: the byte at the index of `v`'s low
            // nibble is the whitespace character with that nibble (or 0,
            // which no byte with that nibble equals); a byte with its high
            // bit set looks up 0, which it is not either.
            m.space |= bits32(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(space_table, v), v)) << shift;
        }
        m
    }

    /// A block's masks from one 64-byte register: each class is one
    /// compare into a mask register, no movemask and no shifts. Only for a
    /// CPU that has AVX512BW; inlined into the AVX-512 block loop, which
    /// is compiled for AVX512BW.
    #[target_feature(enable = "avx512bw")]
    #[inline]
    fn avx512(block: &[u8; 64]) -> Masks {
        // SAFETY: `block` holds 64 bytes and the table 16; `loadu` needs
        // no alignment.
        let (v, table) = unsafe {
            (
                _mm512_loadu_si512(block.as_ptr().cast::<__m512i>()),
                _mm_loadu_si128(SPACE_BY_LOW_NIBBLE.as_ptr().cast::<__m128i>()),
            )
        };
        let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
        Masks {
            quote: eq(b'"'),
            backslash: eq(b'\\'),
            control: _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20)),
            // Whitespace by table, as on AVX2.
            space: _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(_mm512_broadcast_i32x4(table), v), v),
            slash: eq(b'/'),
        }
    }

    /// [`Classify::string_run`], 64 bytes at a time; only for a CPU that
    /// has AVX512BW. Inlined, as `avx512`.
    #[target_feature(enable = "avx512bw")]
    #[inline]
    fn string_run_avx512(chunk: &[u8], mut i: usize) -> usize {
        let (quote, backslash) = (_mm512_set1_epi8(b'"' as i8), _mm512_set1_epi8(b'\\' as i8));
        let space = _mm512_set1_epi8(0x20);
        while i + 64 <= chunk.len() {
            // SAFETY: bytes i..i+64 are in `chunk`; `loadu` has no
            // alignment requirement.
            let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().add(i).cast::<__m512i>()) };
            let special = _mm512_cmpeq_epi8_mask(v, quote)
                | _mm512_cmpeq_epi8_mask(v, backslash)
                | _mm512_cmplt_epu8_mask(v, space);
            if special != 0 {
                return i + special.trailing_zeros() as usize;
            }
            i += 64;
        }
        i
    }

    /// The top bits of the 32 bytes of `x`, as an integer LLVM cannot see
    /// through. Seen through, in a block loop compiled for AVX2, LLVM
    /// (rustc 1.95) took the masks' ORs and shifts as operations on vectors
    /// of booleans and lowered them byte by byte (`vpinsrb`, `shr`, `and`):
    /// callgrind counted 82.1M instructions per filter of the 10 MB feed,
    /// against 53.4M with this barrier, an empty `asm!` that emits no
    /// instruction.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn bits32(x: __m256i) -> u64 {
        let mut bits = u64::from(_mm256_movemask_epi8(x) as u32);
        // SAFETY: the template is a comment: no instruction runs, no
        // register but `bits` is named, and nothing is read or written.
        unsafe {
            std::arch::asm!(
                "/* {0} */",
                inout(reg) bits,
                options(pure, nomem, nostack, preserves_flags)
            )
        };
        bits
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    use super::{Classify, Masks};
    use std::arch::wasm32::*;

    pub(super) struct Simd128;

    impl Classify for Simd128 {
        #[inline(always)]
        fn masks(block: &[u8; 64]) -> Masks {
            simd128(block)
        }

        /// 16 bytes at a time, as on SSE2: a string's plain run costs a
        /// compare and a bitmask per 16 bytes, not a block's five masks.
        #[inline(always)]
        fn string_run(chunk: &[u8], mut i: usize) -> usize {
            let (quote, backslash, space) =
                (u8x16_splat(b'"'), u8x16_splat(b'\\'), u8x16_splat(0x20));
            while let Some(bytes) = chunk.get(i..i + 16) {
                // SAFETY: `bytes` holds 16 bytes; `v128_load` has no
                // alignment requirement.
                let v = unsafe { v128_load(bytes.as_ptr().cast::<v128>()) };
                let special = v128_or(
                    v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)),
                    u8x16_lt(v, space),
                );
                if v128_any_true(special) {
                    return i + u8x16_bitmask(special).trailing_zeros() as usize;
                }
                i += 16;
            }
            i
        }
    }

    /// The build enables `simd128`, so every engine that loads the module
    /// runs these instructions (one without SIMD refuses the module).
    #[inline(always)]
    fn simd128(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        // SAFETY: the table holds 16 bytes; no alignment is required.
        let space_table = unsafe { v128_load(super::SPACE_BY_LOW_NIBBLE.as_ptr().cast::<v128>()) };
        for k in 0..4 {
            // SAFETY: `block` holds 64 bytes, so bytes 16k..16k+16 are in
            // it; `v128_load` has no alignment requirement.
            let v = unsafe { v128_load(block.as_ptr().add(16 * k).cast::<v128>()) };
            let eq = |c: u8| u8x16_eq(v, u8x16_splat(c));
            let bits = |x: v128| u64::from(u8x16_bitmask(x)) << (16 * k);
            m.quote |= bits(eq(b'"'));
            m.backslash |= bits(eq(b'\\'));
            m.slash |= bits(eq(b'/'));
            m.control |= bits(u8x16_lt(v, u8x16_splat(0x20)));
            // Whitespace by table, as on AVX2 (`swizzle` gives 0 for an
            // index past 15, so the index is the low nibble).
            m.space |= bits(u8x16_eq(
                u8x16_swizzle(space_table, v128_and(v, u8x16_splat(0x0f))),
                v,
            ));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of a block, on every path.
    #[test]
    fn every_path_classifies_every_byte_at_every_position() {
        for path in ScanPath::available() {
            for b in 0..=255u8 {
                for k in 0..64 {
                    let mut block = [b'a'; 64];
                    block[k] = b;
                    assert_eq!(
                        classify(path, &block),
                        classify_bytes(&block),
                        "{path:?} {b} {k}"
                    );
                    let mut block = [b; 64];
                    block[k] = b'"';
                    assert_eq!(
                        classify(path, &block),
                        classify_bytes(&block),
                        "{path:?} {b} {k}"
                    );
                }
            }
        }
    }

    /// A run of plain string bytes ends at the first quote, backslash or
    /// control byte, or short of it only where less than a block is left.
    #[test]
    fn string_runs_stop_at_the_first_special_byte() {
        for path in ScanPath::available() {
            for len in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 130, 200] {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    for at in 0..=len {
                        let mut chunk: Vec<u8> = (0..len)
                            .map(|k| [b'a', 0x20, 0x7f, 0x80, 0xff, b'/'][k % 6])
                            .collect();
                        if at < len {
                            chunk[at] = special;
                        }
                        for start in [0, 1, 7].into_iter().filter(|&s| s <= len) {
                            let j = string_run(path, &chunk, start);
                            let first = chunk[start..]
                                .iter()
                                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                                .map_or(len, |k| start + k);
                            assert!(j >= start && j <= first, "{path:?} {len} {at} {start}: {j}");
                            assert!(
                                j == first || len - j < 64,
                                "{path:?} {len} {at} {start}: {j}"
                            );
                        }
                    }
                }
            }
        }
    }

    fn escaped_bytewise(backslash: u64) -> u64 {
        let (mut out, mut run) = (0, 0);
        for k in 0..64 {
            if backslash >> k & 1 == 1 {
                run += 1;
            } else {
                if run % 2 == 1 {
                    out |= 1 << k;
                }
                run = 0;
            }
        }
        out
    }

    #[test]
    fn escapes_and_parity_equal_the_bytewise_definition() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            // xorshift, and a sparser mix, so that runs of every length occur.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for bs in [x, x & x.rotate_left(7), x | x.rotate_left(3), !x & x >> 1] {
                assert_eq!(escaped(bs), escaped_bytewise(bs), "{bs:064b}");
                let mut acc = 0;
                let mut want = 0;
                for k in 0..64 {
                    acc ^= bs >> k & 1;
                    want |= acc << k;
                }
                assert_eq!(prefix_xor(bs), want);
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("pclmulqdq") {
                    // SAFETY: the CPU was just checked to have PCLMULQDQ.
                    assert_eq!(unsafe { x86::clmul_prefix_xor(bs) }, want, "{bs:064b}");
                }
            }
        }
    }
}
