/* A JACK MIDI input whose process callback never runs Python.
 *
 * python-rtmidi can only hand input to Python by a callback that takes the GIL on JACK's
 * process thread, which cannot be closed safely (engine/midiport.py says why), or by
 * polling, which adds half the poll interval to every message's latency.  Here the process
 * callback copies each event, stamped with jack_get_time() as it is read, into a
 * lock-free jack_ringbuffer and signals an eventfd (a pipe where there is none); Python
 * waits on it with the GIL released and reads the records back (engine/jackmidi.py).
 *
 * A record is a struct record followed by `size` bytes of MIDI data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include <jack/jack.h>
#include <jack/midiport.h>
#include <jack/ringbuffer.h>

struct record {
    uint32_t size;
    uint32_t reserved;
    uint64_t usecs;
};

struct input {
    jack_client_t *client;
    jack_port_t *port;
    jack_ringbuffer_t *ring;
    int wake[2];                 /* read end, write end (one eventfd twice on Linux) */
    volatile uint32_t dropped;   /* events that found the ring full */
};

static void wake(struct input *in)
{
    /* An eventfd takes no sleeping lock a reader could hold; non-blocking either way, and a
     * full pipe already means "wake up".  8 bytes: an eventfd's counter; a pipe's bytes. */
    uint64_t one = 1;
    (void)!write(in->wake[1], &one, sizeof one);
}

/* Copy `n` bytes to offset `at` of the ring's writable space (two parts where it wraps). */
static void put(const jack_ringbuffer_data_t *space, size_t at, const void *src, size_t n)
{
    const char *from = src;
    if (at < space[0].len) {
        size_t first = space[0].len - at < n ? space[0].len - at : n;
        memcpy(space[0].buf + at, from, first);
        from += first;
        n -= first;
        at = 0;
    } else {
        at -= space[0].len;
    }
    if (n > 0)  /* space[1] is empty (NULL) when the free space does not wrap */
        memcpy(space[1].buf + at, from, n);
}

static int process(jack_nframes_t nframes, void *arg)
{
    struct input *in = arg;
    void *buffer = jack_port_get_buffer(in->port, nframes);
    uint32_t count = jack_midi_get_event_count(buffer);
    if (count == 0)
        return 0;
    struct record head = {0, 0, jack_get_time()};
    for (uint32_t i = 0; i < count; i++) {
        jack_midi_event_t event;
        if (jack_midi_event_get(&event, buffer, i) != 0)
            continue;
        head.size = (uint32_t)event.size;
        if (jack_ringbuffer_write_space(in->ring) < sizeof head + event.size) {
            in->dropped++;
            continue;
        }
        /* One advance per record: the reader never sees half of one. */
        jack_ringbuffer_data_t space[2];
        jack_ringbuffer_get_write_vector(in->ring, space);
        put(space, 0, &head, sizeof head);
        put(space, sizeof head, event.buffer, event.size);
        jack_ringbuffer_write_advance(in->ring, sizeof head + event.size);
    }
    wake(in);
    return 0;
}

void jmi_close(struct input *in)
{
    if (in == NULL)
        return;
    if (in->client != NULL)
        jack_client_close(in->client);
    if (in->ring != NULL)
        jack_ringbuffer_free(in->ring);
    if (in->wake[0] >= 0)
        close(in->wake[0]);
    if (in->wake[1] >= 0 && in->wake[1] != in->wake[0])
        close(in->wake[1]);
    free(in);
}

/* A client `client_name` with an input port `port_name`, active; NULL when the server is
 * not reachable or the port cannot be registered.  `ring_bytes` bounds what waits unread. */
struct input *jmi_open(const char *client_name, const char *port_name, size_t ring_bytes)
{
    struct input *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->wake[0] = in->wake[1] = -1;
#ifdef __linux__
    in->wake[0] = in->wake[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->wake[0] < 0)
        goto fail;
#else
    if (pipe(in->wake) != 0)
        goto fail;
    for (int i = 0; i < 2; i++) {
        fcntl(in->wake[i], F_SETFL, O_NONBLOCK);
        fcntl(in->wake[i], F_SETFD, FD_CLOEXEC);
    }
#endif
    in->ring = jack_ringbuffer_create(ring_bytes);
    if (in->ring == NULL)
        goto fail;
    /* The process callback must not fault a page in. */
    jack_ringbuffer_mlock(in->ring);
    memset(in->ring->buf, 0, in->ring->size);
    in->client = jack_client_open(client_name, JackNoStartServer, NULL);
    if (in->client == NULL)
        goto fail;
    in->port = jack_port_register(in->client, port_name, JACK_DEFAULT_MIDI_TYPE,
                                  JackPortIsInput, 0);
    if (in->port == NULL)
        goto fail;
    jack_set_process_callback(in->client, process, in);
    if (jack_activate(in->client) != 0)
        goto fail;
    return in;
fail:
    jmi_close(in);
    return NULL;
}

/* Connect the JACK output port `source` to this input: 0, or JACK's error code. */
int jmi_connect(struct input *in, const char *source)
{
    return jack_connect(in->client, source, jack_port_name(in->port));
}

int jmi_fd(const struct input *in) { return in->wake[0]; }
uint64_t jmi_now(void) { return jack_get_time(); }

/* Copy whole records into `out` (at most `capacity` bytes; at least the ring's size, so
 * any record fits) after clearing the wake-up, and store the count of events lost to a full
 * ring so far in `*dropped`: the bytes copied.  What did not fit signals again. */
size_t jmi_read(struct input *in, char *out, size_t capacity, uint32_t *dropped)
{
    /* One read clears an eventfd; a pipe holding more wake-ups only wakes the reader once
     * more, to find nothing. */
    char drain[64];
    (void)!read(in->wake[0], drain, sizeof drain);
    size_t done = 0;
    struct record head;
    while (jack_ringbuffer_peek(in->ring, (char *)&head, sizeof head) == sizeof head
           && done + sizeof head + head.size <= capacity
           && jack_ringbuffer_read_space(in->ring) >= sizeof head + head.size) {
        done += jack_ringbuffer_read(in->ring, out + done, sizeof head + head.size);
    }
    if (jack_ringbuffer_read_space(in->ring) > 0)
        wake(in);
    *dropped = in->dropped;
    return done;
}
