#include "CPKCS11.h"

CK_RV voltpass_pkcs11_function_list(void *getFunctionList, CK_FUNCTION_LIST **list) {
    return ((CK_C_GetFunctionList)getFunctionList)(list);
}
