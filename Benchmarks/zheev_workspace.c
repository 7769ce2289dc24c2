/* The complex Hermitian LAPACK drivers of the BLAS that qglass links, timed
 * on a random Hermitian matrix (Benchmarks/complex.py builds and runs it):
 *
 *   zheev_workspace N query|blocked|evr
 *
 * query:   zheevd with the workspace its query returns (what qglass did before
 *          issue 21; LAPACK's minimum, which leaves ZUNMTR unblocked);
 * blocked: zheevd with 64 N + 65*64 more (what qglass gives it now);
 * evr:     zheevr with its queried workspace.
 * Prints one JSON line: seconds, OpenBLAS core, the middle eigenpair's residual. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void zheevd_(const char *, const char *, const int *, double complex *, const int *, double *, double complex *,
             const int *, double *, const int *, int *, const int *, int *, size_t, size_t);
void zheevr_(const char *, const char *, const char *, const int *, double complex *, const int *, const double *,
             const double *, const int *, const int *, const double *, int *, double *, double complex *, const int *,
             int *, double complex *, const int *, double *, const int *, int *, const int *, int *, size_t, size_t,
             size_t);
char *openblas_get_corename(void);
void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s N query|blocked|evr\n", argv[0]); return 2; }
    int n = atoi(argv[1]), info = 0, q = -1;
    const char *mode = argv[2];
    openblas_set_num_threads(1);
    double complex *a = malloc(sizeof(double complex) * (size_t)n * n), *h = malloc(sizeof(double complex) * (size_t)n * n);
    double *w = malloc(sizeof(double) * n);
    unsigned long long s = 88172645463325252ULL;
    for (int j = 0; j < n; j++)
        for (int i = j; i < n; i++) {
            double x[2];
            for (int k = 0; k < 2; k++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; x[k] = (double)(s >> 11) / 9007199254740992.0 - 0.5; }
            h[i + (size_t)j * n] = i == j ? x[0] : x[0] + I * x[1];
            h[j + (size_t)i * n] = conj(h[i + (size_t)j * n]);
        }
    memcpy(a, h, sizeof(double complex) * (size_t)n * n);
    double complex wq;
    double rwq, t0, t1;
    int iwq;
    double complex *z = a;
    if (strcmp(mode, "evr") == 0) {
        double vl = 0, vu = 0, abstol = 0;
        int il = 1, iu = n, m = 0;
        int *isuppz = malloc(sizeof(int) * 2 * n);
        z = malloc(sizeof(double complex) * (size_t)n * n);
        zheevr_("V", "A", "L", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz, &wq, &q, &rwq, &q, &iwq, &q, &info, 1, 1, 1);
        int lw = (int)creal(wq), lrw = (int)rwq, liw = iwq;
        double complex *work = malloc(sizeof(double complex) * lw);
        double *rwork = malloc(sizeof(double) * lrw);
        int *iwork = malloc(sizeof(int) * liw);
        t0 = now();
        zheevr_("V", "A", "L", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz, work, &lw, rwork, &lrw, iwork, &liw, &info, 1, 1, 1);
        t1 = now();
    } else {
        zheevd_("V", "L", &n, a, &n, w, &wq, &q, &rwq, &q, &iwq, &q, &info, 1, 1);
        int lw = (int)creal(wq) + (strcmp(mode, "blocked") == 0 ? 64 * n + 65 * 64 : 0), lrw = (int)rwq, liw = iwq;
        double complex *work = malloc(sizeof(double complex) * lw);
        double *rwork = malloc(sizeof(double) * lrw);
        int *iwork = malloc(sizeof(int) * liw);
        t0 = now();
        zheevd_("V", "L", &n, a, &n, w, work, &lw, rwork, &lrw, iwork, &liw, &info, 1, 1);
        t1 = now();
    }
    if (info != 0) { fprintf(stderr, "info = %d\n", info); return 1; }
    int k = n / 2;
    double res = 0;
    for (int i = 0; i < n; i++) {
        double complex acc = 0;
        for (int j = 0; j < n; j++) acc += h[i + (size_t)j * n] * z[j + (size_t)k * n];
        acc -= w[k] * z[i + (size_t)k * n];
        res += creal(acc * conj(acc));
    }
    printf("{\"peer\": \"lapack-%s\", \"n\": %d, \"seconds\": %.3f, \"residual\": %.3e, \"blas\": [\"qglass's OpenBLAS %s\"]}\n", mode, n,
           t1 - t0, sqrt(res), openblas_get_corename());
    return 0;
}
