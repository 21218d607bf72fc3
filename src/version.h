/* SPDX-License-Identifier: ISC */
/* broadside: version. */
#ifndef BROADSIDE_VERSION_H
#define BROADSIDE_VERSION_H

#define BROADSIDE_VERSION	"0.1.0"

#endif
