#ifndef VOLTPASS_CPKCS11_H
#define VOLTPASS_CPKCS11_H

/*
 * The part of the Cryptoki interface (OASIS PKCS #11 v2.40, also what v3.0 modules return from
 * C_GetFunctionList) that Voltpass calls, declared for Voltpass. No module is linked: the library is
 * opened with dlopen at run time and reached through its function list.
 *
 * Unix layout only: structures use the platform's natural alignment and CK_ULONG is `unsigned long`.
 */

typedef unsigned char CK_BYTE;
typedef CK_BYTE CK_BBOOL;
typedef CK_BYTE CK_UTF8CHAR;
typedef unsigned long CK_ULONG;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_FLAGS;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_OBJECT_HANDLE;
typedef CK_ULONG CK_OBJECT_CLASS;
typedef CK_ULONG CK_KEY_TYPE;
typedef CK_ULONG CK_ATTRIBUTE_TYPE;
typedef CK_ULONG CK_MECHANISM_TYPE;
typedef CK_ULONG CK_USER_TYPE;

typedef struct CK_VERSION {
    CK_BYTE major;
    CK_BYTE minor;
} CK_VERSION;

/* What C_GetTokenInfo fills in; text fields are padded with spaces, not NUL-terminated. */
typedef struct CK_TOKEN_INFO {
    CK_UTF8CHAR label[32];
    CK_UTF8CHAR manufacturerID[32];
    CK_UTF8CHAR model[16];
    CK_BYTE serialNumber[16];
    CK_FLAGS flags;
    CK_ULONG ulMaxSessionCount;
    CK_ULONG ulSessionCount;
    CK_ULONG ulMaxRwSessionCount;
    CK_ULONG ulRwSessionCount;
    CK_ULONG ulMaxPinLen;
    CK_ULONG ulMinPinLen;
    CK_ULONG ulTotalPublicMemory;
    CK_ULONG ulFreePublicMemory;
    CK_ULONG ulTotalPrivateMemory;
    CK_ULONG ulFreePrivateMemory;
    CK_VERSION hardwareVersion;
    CK_VERSION firmwareVersion;
    CK_BYTE utcTime[16];
} CK_TOKEN_INFO;

typedef struct CK_ATTRIBUTE {
    CK_ATTRIBUTE_TYPE type;
    void *pValue;
    CK_ULONG ulValueLen;
} CK_ATTRIBUTE;

typedef struct CK_MECHANISM {
    CK_MECHANISM_TYPE mechanism;
    void *pParameter;
    CK_ULONG ulParameterLen;
} CK_MECHANISM;

/* C_Initialize's argument. Voltpass passes no mutex callbacks, only CKF_OS_LOCKING_OK, so the four
   callback slots are declared as plain pointers (always NULL). */
typedef struct CK_C_INITIALIZE_ARGS {
    void *CreateMutex;
    void *DestroyMutex;
    void *LockMutex;
    void *UnlockMutex;
    CK_FLAGS flags;
    void *pReserved;
} CK_C_INITIALIZE_ARGS;

struct CK_FUNCTION_LIST;

/* The entry points Voltpass calls. */
typedef CK_RV (*CK_C_Initialize)(void *initArgs);
typedef CK_RV (*CK_C_GetFunctionList)(struct CK_FUNCTION_LIST **list);
typedef CK_RV (*CK_C_GetSlotList)(CK_BBOOL tokenPresent, CK_SLOT_ID *slots, CK_ULONG *count);
typedef CK_RV (*CK_C_GetTokenInfo)(CK_SLOT_ID slot, CK_TOKEN_INFO *info);
/* The notification callback is never used: always NULL. */
typedef CK_RV (*CK_C_OpenSession)(CK_SLOT_ID slot, CK_FLAGS flags, void *application, void *notify,
                                  CK_SESSION_HANDLE *session);
typedef CK_RV (*CK_C_CloseSession)(CK_SESSION_HANDLE session);
typedef CK_RV (*CK_C_Login)(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG pinLength);
typedef CK_RV (*CK_C_GetAttributeValue)(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                                        CK_ATTRIBUTE *attributes, CK_ULONG count);
typedef CK_RV (*CK_C_FindObjectsInit)(CK_SESSION_HANDLE session, CK_ATTRIBUTE *attributes, CK_ULONG count);
typedef CK_RV (*CK_C_FindObjects)(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *objects, CK_ULONG maximum,
                                  CK_ULONG *count);
typedef CK_RV (*CK_C_FindObjectsFinal)(CK_SESSION_HANDLE session);
typedef CK_RV (*CK_C_SignInit)(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key);
typedef CK_RV (*CK_C_Sign)(CK_SESSION_HANDLE session, CK_BYTE *data, CK_ULONG dataLength, CK_BYTE *signature,
                           CK_ULONG *signatureLength);
typedef CK_RV (*CK_C_GenerateKeyPair)(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
                                      CK_ATTRIBUTE *publicTemplate, CK_ULONG publicCount,
                                      CK_ATTRIBUTE *privateTemplate, CK_ULONG privateCount,
                                      CK_OBJECT_HANDLE *publicKey, CK_OBJECT_HANDLE *privateKey);

/* An entry point Voltpass never calls; it only keeps its place in the list. */
typedef void (*CK_UNUSED)(void);

/* The function list: the version, then the 68 v2.40 entry points in the order the specification
   fixes. Only the layout matters; unused entries keep their spec names for reference. */
typedef struct CK_FUNCTION_LIST {
    CK_VERSION version;
    CK_C_Initialize C_Initialize;
    CK_UNUSED C_Finalize;
    CK_UNUSED C_GetInfo;
    CK_C_GetFunctionList C_GetFunctionList;
    CK_C_GetSlotList C_GetSlotList;
    CK_UNUSED C_GetSlotInfo;
    CK_C_GetTokenInfo C_GetTokenInfo;
    CK_UNUSED C_GetMechanismList;
    CK_UNUSED C_GetMechanismInfo;
    CK_UNUSED C_InitToken;
    CK_UNUSED C_InitPIN;
    CK_UNUSED C_SetPIN;
    CK_C_OpenSession C_OpenSession;
    CK_C_CloseSession C_CloseSession;
    CK_UNUSED C_CloseAllSessions;
    CK_UNUSED C_GetSessionInfo;
    CK_UNUSED C_GetOperationState;
    CK_UNUSED C_SetOperationState;
    CK_C_Login C_Login;
    CK_UNUSED C_Logout;
    CK_UNUSED C_CreateObject;
    CK_UNUSED C_CopyObject;
    CK_UNUSED C_DestroyObject;
    CK_UNUSED C_GetObjectSize;
    CK_C_GetAttributeValue C_GetAttributeValue;
    CK_UNUSED C_SetAttributeValue;
    CK_C_FindObjectsInit C_FindObjectsInit;
    CK_C_FindObjects C_FindObjects;
    CK_C_FindObjectsFinal C_FindObjectsFinal;
    CK_UNUSED C_EncryptInit;
    CK_UNUSED C_Encrypt;
    CK_UNUSED C_EncryptUpdate;
    CK_UNUSED C_EncryptFinal;
    CK_UNUSED C_DecryptInit;
    CK_UNUSED C_Decrypt;
    CK_UNUSED C_DecryptUpdate;
    CK_UNUSED C_DecryptFinal;
    CK_UNUSED C_DigestInit;
    CK_UNUSED C_Digest;
    CK_UNUSED C_DigestUpdate;
    CK_UNUSED C_DigestKey;
    CK_UNUSED C_DigestFinal;
    CK_C_SignInit C_SignInit;
    CK_C_Sign C_Sign;
    CK_UNUSED C_SignUpdate;
    CK_UNUSED C_SignFinal;
    CK_UNUSED C_SignRecoverInit;
    CK_UNUSED C_SignRecover;
    CK_UNUSED C_VerifyInit;
    CK_UNUSED C_Verify;
    CK_UNUSED C_VerifyUpdate;
    CK_UNUSED C_VerifyFinal;
    CK_UNUSED C_VerifyRecoverInit;
    CK_UNUSED C_VerifyRecover;
    CK_UNUSED C_DigestEncryptUpdate;
    CK_UNUSED C_DecryptDigestUpdate;
    CK_UNUSED C_SignEncryptUpdate;
    CK_UNUSED C_DecryptVerifyUpdate;
    CK_UNUSED C_GenerateKey;
    CK_C_GenerateKeyPair C_GenerateKeyPair;
    CK_UNUSED C_WrapKey;
    CK_UNUSED C_UnwrapKey;
    CK_UNUSED C_DeriveKey;
    CK_UNUSED C_SeedRandom;
    CK_UNUSED C_GenerateRandom;
    CK_UNUSED C_GetFunctionStatus;
    CK_UNUSED C_CancelFunction;
    CK_UNUSED C_WaitForSlotEvent;
} CK_FUNCTION_LIST;

/* Calls `getFunctionList`, the C_GetFunctionList symbol found with dlsym (an untyped pointer), so
   that Swift never casts a data pointer to a function pointer itself. */
CK_RV voltpass_pkcs11_function_list(void *getFunctionList, CK_FUNCTION_LIST **list);

/* Constants used by Voltpass, values from the specification. */
#define CK_TRUE 1
#define CK_FALSE 0

#define CKR_OK 0x00000000UL
#define CKR_USER_ALREADY_LOGGED_IN 0x00000100UL
#define CKR_BUFFER_TOO_SMALL 0x00000150UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED 0x00000191UL

#define CKF_OS_LOCKING_OK 0x00000002UL
#define CKF_RW_SESSION 0x00000002UL
#define CKF_SERIAL_SESSION 0x00000004UL
#define CKF_TOKEN_INITIALIZED 0x00000400UL

#define CKU_USER 1UL

#define CKO_PUBLIC_KEY 0x00000002UL
#define CKO_PRIVATE_KEY 0x00000003UL

#define CKK_EC 0x00000003UL
#define CKK_EC_EDWARDS 0x00000040UL

#define CKA_CLASS 0x00000000UL
#define CKA_TOKEN 0x00000001UL
#define CKA_PRIVATE 0x00000002UL
#define CKA_LABEL 0x00000003UL
#define CKA_VALUE 0x00000011UL
#define CKA_KEY_TYPE 0x00000100UL
#define CKA_ID 0x00000102UL
#define CKA_SENSITIVE 0x00000103UL
#define CKA_SIGN 0x00000108UL
#define CKA_VERIFY 0x0000010AUL
#define CKA_EXTRACTABLE 0x00000162UL
#define CKA_EC_PARAMS 0x00000180UL
#define CKA_EC_POINT 0x00000181UL

#define CKM_EC_KEY_PAIR_GEN 0x00001040UL
#define CKM_ECDSA 0x00001041UL
#define CKM_EC_EDWARDS_KEY_PAIR_GEN 0x00001055UL
#define CKM_EDDSA 0x00001057UL

#endif
