/* yima's version, shared by the daemon and the clients. */
#ifndef YIMA_VERSION_H
#define YIMA_VERSION_H
#define YIMA_VERSION "0.1.0"
#endif
