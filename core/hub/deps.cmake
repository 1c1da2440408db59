# The model hub: libcurl for HTTP(S) downloads with resume, OpenSSL's
# libcrypto (which Debian's libcurl already uses for TLS) for SHA-256.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
list(APPEND PV_CORE_LIBS CURL::libcurl OpenSSL::Crypto)
