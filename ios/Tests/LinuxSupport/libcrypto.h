// The two libcrypto (OpenSSL 3) functions the Linux tests call, declared here so that no
// OpenSSL development headers are needed in the chroot.
#include <stddef.h>

typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data,
                    size_t data_len, unsigned char *md, unsigned int *md_len);
